{#- The days MetricFlow's semantic layer joins metrics to (models/semantic/): one row per day
    over any period a utility's data may cover. -#}
with days as (
    select cast(range as date) as date_day
    from range(date '2000-01-01', date '2041-01-01', interval 1 day)
),

final as (
    select date_day
    from days
)

select date_day
from final
