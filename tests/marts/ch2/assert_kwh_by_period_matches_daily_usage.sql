-- Every kWh read in a day must show up in the yearly figures once: a reading outside an
-- account's active months (or lost in a join) would make the two disagree.
with daily_by_year as (
    select cast({{ dbt.date_trunc('year', 'reading_date') }} as date) as period_start, customer_type,
        sum(kwh_total) as kwh_total
    from {{ ref('fct_daily_usage') }}
    group by 1, 2
),

yearly as (
    select period_start, customer_type, sum(kwh_total) as kwh_total
    from {{ ref('mart_ch2_kwh_by_period') }}
    where period_grain = 'year'
    group by 1, 2
)

select coalesce(daily_by_year.period_start, yearly.period_start) as period_start,
    coalesce(daily_by_year.customer_type, yearly.customer_type) as customer_type,
    daily_by_year.kwh_total as daily_kwh, yearly.kwh_total as yearly_kwh
from daily_by_year
full outer join yearly
    on daily_by_year.period_start = yearly.period_start
    and daily_by_year.customer_type = yearly.customer_type
where abs(coalesce(daily_by_year.kwh_total, 0) - coalesce(yearly.kwh_total, 0)) > 0.05
