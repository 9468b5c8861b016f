{#- Customer counts per month: active at month end, opened and closed in the month, and the
    active count's growth against the same month last year (from the 13th month of data on).
    One row per month and breakdown value: breakdown 'all' is the whole base, the others split
    it by urban/rural, sector, customer type and region. -#}
{%- set breakdowns = ['urban_rural', 'sector', 'customer_type', 'region_code'] -%}
with customers as (
    select customer_id, open_date, close_date, urban_rural, sector, customer_type, region_code
    from {{ ref('dim_customers') }}
),

report_months as (
    select distinct usage_month as report_month, month_end_date
    from {{ ref('int_consumption__customer_months') }}
),

customer_month_status as (
    select
        report_months.report_month,
        customers.urban_rural,
        customers.sector,
        customers.customer_type,
        customers.region_code,
        case when customers.close_date is null or customers.close_date > report_months.month_end_date
            then 1 else 0 end as active_at_month_end,
        case when customers.open_date >= report_months.report_month then 1 else 0 end as opened_in_month,
        case when customers.close_date <= report_months.month_end_date then 1 else 0 end as closed_in_month
    from customers
    inner join report_months
        on customers.open_date <= report_months.month_end_date
        and (customers.close_date is null or customers.close_date >= report_months.report_month)
),

counts_by_breakdown as (
    select report_month, 'all' as breakdown, 'all' as breakdown_value,
        sum(active_at_month_end) as active_customers, sum(opened_in_month) as new_customers,
        sum(closed_in_month) as closed_customers
    from customer_month_status
    group by report_month
    {%- for breakdown in breakdowns %}
    union all
    select report_month, '{{ breakdown }}' as breakdown, {{ breakdown }} as breakdown_value,
        sum(active_at_month_end) as active_customers, sum(opened_in_month) as new_customers,
        sum(closed_in_month) as closed_customers
    from customer_month_status
    group by report_month, {{ breakdown }}
    {%- endfor %}
),

final as (
    select
        this_year.report_month,
        this_year.breakdown,
        this_year.breakdown_value,
        cast(this_year.active_customers as integer) as active_customers,
        cast(this_year.new_customers as integer) as new_customers,
        cast(this_year.closed_customers as integer) as closed_customers,
        cast(last_year.active_customers as integer) as active_customers_last_year,
        cast(this_year.active_customers as double) / nullif(last_year.active_customers, 0) - 1
            as active_customers_yoy_growth
    from counts_by_breakdown as this_year
    left join counts_by_breakdown as last_year
        on last_year.report_month = cast({{ dbt.dateadd('month', -12, 'this_year.report_month') }} as date)
        and last_year.breakdown = this_year.breakdown
        and last_year.breakdown_value = this_year.breakdown_value
)

select
    report_month, breakdown, breakdown_value, active_customers, new_customers, closed_customers,
    active_customers_last_year, active_customers_yoy_growth
from final
