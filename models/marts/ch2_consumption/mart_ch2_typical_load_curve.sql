{#- The typical daily load curve (96 quarter-hours) per customer type, from interval meters.
    Each customer's curve is its mean load per quarter-hour over all its days; the type's curve
    is the mean of its customers' curves, so one large customer does not stand for the type. The
    curve spans the whole year while some hours change period with the season (sharp only in the
    sharp months), so each hour carries its period in season and out of it. -#}
with interval_readings as (
    select
        customer_id,
        cast(extract(hour from interval_start) * 4 + extract(minute from interval_start) / 15 as integer) + 1
            as quarter_hour_of_day,
        cast(extract(hour from interval_start) as integer) as hour_of_day,
        kw
    from {{ ref('stg_mdm__interval_readings') }}
),

customer_curves as (
    select
        customer_id,
        quarter_hour_of_day,
        hour_of_day,
        avg(kw) as mean_load_kw
    from interval_readings
    group by customer_id, quarter_hour_of_day, hour_of_day
),

customers as (
    select customer_id, customer_type
    from {{ ref('stg_cis__customers') }}
),

tou_periods as (
    select
        cast(hour_of_day as integer) as hour_of_day,
        tou_period,
        season_months as tou_period_months,
        off_season_period as tou_period_off_season
    from {{ ref('tou_periods') }}
),

type_curves as (
    select
        customers.customer_type,
        customer_curves.quarter_hour_of_day,
        customer_curves.hour_of_day,
        cast(count(*) as integer) as customers_with_interval_data,
        avg(customer_curves.mean_load_kw) as mean_load_kw
    from customer_curves
    inner join customers
        on customer_curves.customer_id = customers.customer_id
    group by customers.customer_type, customer_curves.quarter_hour_of_day, customer_curves.hour_of_day
),

final as (
    select
        type_curves.customer_type,
        type_curves.quarter_hour_of_day,
        type_curves.hour_of_day,
        tou_periods.tou_period,
        tou_periods.tou_period_months,
        tou_periods.tou_period_off_season,
        type_curves.customers_with_interval_data,
        type_curves.mean_load_kw,
        type_curves.mean_load_kw
            / nullif(max(type_curves.mean_load_kw) over (partition by type_curves.customer_type), 0)
            as load_share_of_daily_peak
    from type_curves
    left join tou_periods
        on type_curves.hour_of_day = tou_periods.hour_of_day
)

select
    customer_type, quarter_hour_of_day, hour_of_day, tou_period, tou_period_months,
    tou_period_off_season, customers_with_interval_data, mean_load_kw, load_share_of_daily_peak
from final
