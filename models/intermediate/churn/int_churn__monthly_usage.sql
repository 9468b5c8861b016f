-- monthly grain is what the churn features need: a month is only used once it has ended
with daily_readings as (
    select
        customer_id,
        reading_date,
        coalesce(kwh_sharp, 0) + coalesce(kwh_peak, 0)
            + coalesce(kwh_flat, 0) + coalesce(kwh_valley, 0) as kwh,
        max_demand_kw
    from {{ ref('stg_mdm__meter_readings') }}
),

final as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'reading_date') }} as date) as usage_month,
        sum(kwh) as kwh,
        max(max_demand_kw) as max_demand_kw,
        count(*) as reading_days
    from daily_readings
    group by 1, 2
)

select
    customer_id,
    usage_month,
    kwh,
    max_demand_kw,
    reading_days
from final
