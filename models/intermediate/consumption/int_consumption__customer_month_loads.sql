{#- Load character per customer and month. Customers with an interval meter are measured from
    their 15-minute loads; the others from daily readings, where the maximum is the month's
    highest daily maximum demand and the minimum the lowest daily mean load (kWh / 24), which
    understates the true peak-valley gap. load_source says which. -#}
with customer_months as (
    select
        customer_id,
        usage_month,
        reading_days,
        kwh_total,
        max_demand_kw,
        min_daily_kwh
    from {{ ref('int_consumption__customer_months') }}
    where reading_days > 0
),

interval_months as (
    select
        customer_id,
        usage_month,
        max(max_load_kw) as max_load_kw,
        min(min_load_kw) as min_load_kw,
        sum(sum_load_kw) / sum(interval_count) as mean_load_kw
    from {{ ref('int_consumption__interval_load_days') }}
    group by customer_id, usage_month
),

customers as (
    select customer_id, customer_type, region_code
    from {{ ref('stg_cis__customers') }}
),

measured_loads as (
    select
        customer_months.customer_id,
        customer_months.usage_month,
        case when interval_months.customer_id is not null then 'interval_15min' else 'daily_max_demand' end
            as load_source,
        cast(coalesce(interval_months.max_load_kw, customer_months.max_demand_kw) as double) as max_load_kw,
        cast(coalesce(interval_months.min_load_kw, cast(customer_months.min_daily_kwh as double) / 24.0) as double) as min_load_kw,
        cast(coalesce(interval_months.mean_load_kw,
                      cast(customer_months.kwh_total as double) / (customer_months.reading_days * 24.0)) as double) as mean_load_kw
    from customer_months
    left join interval_months
        on customer_months.customer_id = interval_months.customer_id
        and customer_months.usage_month = interval_months.usage_month
),

final as (
    select
        measured_loads.customer_id,
        measured_loads.usage_month,
        customers.customer_type,
        customers.region_code,
        measured_loads.load_source,
        measured_loads.max_load_kw,
        measured_loads.min_load_kw,
        measured_loads.mean_load_kw,
        {{ load_ratios('measured_loads.max_load_kw', 'measured_loads.min_load_kw', 'measured_loads.mean_load_kw') }},
        -- a maximum below the mean is impossible: the readings contradict each other (e.g. a
        -- maximum demand capped at the contract capacity while energy is not), so the month's
        -- ratios are kept as read but flagged and left out of averages
        measured_loads.mean_load_kw > measured_loads.max_load_kw as max_load_below_mean_load
    from measured_loads
    inner join customers
        on measured_loads.customer_id = customers.customer_id
)

select
    customer_id, usage_month, customer_type, region_code, load_source,
    max_load_kw, min_load_kw, mean_load_kw, load_factor, peak_valley_difference_rate, max_load_below_mean_load
from final
