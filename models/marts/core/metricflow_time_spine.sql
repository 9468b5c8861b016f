{#- The days MetricFlow's semantic layer joins metrics to (models/semantic/): one row per day
    over any period a utility's data may cover. -#}
with days as (
    select {{ date_series("date '2000-01-01'", "date '2040-12-31'", 'day') }} as date_day
),

final as (
    select date_day
    from days
)

select date_day
from final
