{#- The measures the value score ranks, per customer active at the end of the data: the
    current snapshot is the first day after the last usage month, as in the churn scores. -#}
with customer_months as (
    select
        customer_id,
        usage_month,
        kwh_total,
        max_demand_kw
    from {{ ref('int_consumption__customer_months') }}
),

data_end as (
    select
        max(usage_month) as last_usage_month,
        cast({{ dbt.dateadd('month', 1, 'max(usage_month)') }} as date) as current_snapshot,
        cast({{ dbt.dateadd('month', -11, 'max(usage_month)') }} as date) as year_start,
        cast({{ dbt.dateadd('month', -23, 'max(usage_month)') }} as date) as prior_year_start
    from customer_months
),

active_customers as (
    select
        customers.customer_id,
        customers.customer_type,
        customers.sector,
        customers.region_code,
        customers.urban_rural,
        customers.payment_mode,
        customers.has_pv,
        customers.voltage_kv,
        customers.contract_capacity_kva,
        customers.basic_charge_basis,
        customers.open_date
    from {{ ref('stg_cis__customers') }} as customers
    cross join data_end
    where customers.open_date < data_end.current_snapshot
        and (customers.close_date is null or customers.close_date >= data_end.current_snapshot)
),

usage_last_year as (
    select
        customer_months.customer_id,
        count(*) as months_observed,
        sum(customer_months.kwh_total) as kwh_sum,
        {{ avg_as_double('customer_months.kwh_total') }} as kwh_mean,
        stddev_pop(customer_months.kwh_total) as kwh_std,
        max(customer_months.max_demand_kw) as max_demand_kw
    from customer_months
    cross join data_end
    where customer_months.usage_month >= data_end.year_start
    group by customer_months.customer_id
),

usage_prior_year as (
    select
        customer_months.customer_id,
        count(*) as months_observed,
        sum(customer_months.kwh_total) as kwh_sum
    from customer_months
    cross join data_end
    where customer_months.usage_month >= data_end.prior_year_start
        and customer_months.usage_month < data_end.year_start
    group by customer_months.customer_id
),

bills_last_year as (
    select
        bills.customer_id,
        count(*) as bills_count,
        sum(bills.total_amount) as revenue_sum,
        sum(bills.energy_charge) as energy_charge_sum
    from {{ ref('stg_cis__bills') }} as bills
    cross join data_end
    where bills.billing_month >= data_end.year_start
    group by bills.customer_id
),

-- the grade at the end of the last usage month, the last complete month: the month end after it
-- is the export cut-off, where the payments made after the export are missing and arrears look
-- higher than they are (docs/ch3_credit.md, Limits)
latest_credit as (
    select
        grades.customer_id,
        grades.credit_grade,
        grades.credit_score
    from {{ ref('int_credit__customer_month_grades') }} as grades
    inner join data_end
        on grades.grade_month = data_end.last_usage_month
),

final as (
    select
        active_customers.customer_id,
        data_end.current_snapshot as snapshot_date,
        active_customers.customer_type,
        active_customers.sector,
        active_customers.region_code,
        active_customers.urban_rural,
        active_customers.payment_mode,
        active_customers.has_pv,
        active_customers.voltage_kv,
        active_customers.contract_capacity_kva,
        active_customers.basic_charge_basis,
        cast(coalesce(usage_last_year.months_observed, 0) as integer) as months_observed,
        -- a customer open part of the year is compared on a full year's pace
        coalesce(cast(usage_last_year.kwh_sum * 12.0 as double) / usage_last_year.months_observed, 0) as kwh_12m,
        coalesce(cast(bills_last_year.revenue_sum as double) * 12.0 / bills_last_year.bills_count, 0)
            as revenue_12m,
        coalesce(cast(bills_last_year.energy_charge_sum as double) * 12.0 / bills_last_year.bills_count, 0)
            as energy_charge_12m,
        usage_last_year.kwh_std / nullif(usage_last_year.kwh_mean, 0) as kwh_cv_12m,
        -- growth needs a full prior year to compare with; otherwise it is unknown
        case
            when usage_prior_year.months_observed = 12 and usage_prior_year.kwh_sum > 0
                and usage_last_year.months_observed = 12
                then cast(usage_last_year.kwh_sum as double) / cast(usage_prior_year.kwh_sum as double) - 1
        end as kwh_growth_12m,
        usage_last_year.max_demand_kw as max_demand_12m_kw,
        -- kW against kVA: taken at unity power factor, the room the connection has left
        greatest(0, 1 - usage_last_year.max_demand_kw / nullif(active_customers.contract_capacity_kva, 0))
            as capacity_headroom,
        latest_credit.credit_grade,
        latest_credit.credit_score as credit_points
    from active_customers
    cross join data_end
    left join usage_last_year
        on active_customers.customer_id = usage_last_year.customer_id
    left join usage_prior_year
        on active_customers.customer_id = usage_prior_year.customer_id
    left join bills_last_year
        on active_customers.customer_id = bills_last_year.customer_id
    left join latest_credit
        on active_customers.customer_id = latest_credit.customer_id
)

select
    customer_id,
    snapshot_date,
    customer_type,
    sector,
    region_code,
    urban_rural,
    payment_mode,
    has_pv,
    voltage_kv,
    contract_capacity_kva,
    basic_charge_basis,
    months_observed,
    kwh_12m,
    revenue_12m,
    energy_charge_12m,
    kwh_cv_12m,
    kwh_growth_12m,
    max_demand_12m_kw,
    capacity_headroom,
    credit_grade,
    credit_points
from final
