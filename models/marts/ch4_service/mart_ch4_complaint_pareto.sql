-- complaint categories as a Pareto: count, share, cumulative share, the "vital few" categories
-- that make up the first 80%, repeats and satisfaction after handling
with complaints as (
    select
        category,
        is_repeat_complaint,
        satisfaction
    from {{ ref('fct_service_tickets') }}
    where ticket_type = 'complaint'
),

category_counts as (
    select
        category,
        count(*) as complaints,
        sum(case when is_repeat_complaint then 1 else 0 end) as repeat_complaints,
        count(satisfaction) as complaints_rated,
        avg(cast(satisfaction as double)) as average_satisfaction,
        sum(case when satisfaction >= 4 then 1 else 0 end) as complaints_satisfied
    from complaints
    group by category
),

ranked as (
    select
        category,
        complaints,
        repeat_complaints,
        complaints_rated,
        average_satisfaction,
        complaints_satisfied,
        row_number() over (order by complaints desc, category) as pareto_rank,
        complaints / sum(cast(complaints as double)) over () as share_of_complaints,
        sum(complaints) over (order by complaints desc, category rows between unbounded preceding and current row)
            / sum(cast(complaints as double)) over () as cumulative_share
    from category_counts
),

final as (
    select
        cast(category as {{ dbt.type_string() }}) as category,
        cast(pareto_rank as integer) as pareto_rank,
        cast(complaints as bigint) as complaints,
        cast(share_of_complaints as double) as share_of_complaints,
        cast(cumulative_share as double) as cumulative_share,
        -- a category belongs to the vital few if the categories ranked above it cover less than 80%
        (cumulative_share - share_of_complaints) < 0.8 as is_vital_few,
        cast(repeat_complaints as bigint) as repeat_complaints,
        cast(repeat_complaints / cast(complaints as double) as double) as repeat_share,
        cast(complaints_rated as bigint) as complaints_rated,
        cast(average_satisfaction as double) as average_satisfaction,
        cast(complaints_satisfied / nullif(cast(complaints_rated as double), 0) as double) as satisfied_share_of_rated
    from ranked
)

select
    category,
    pareto_rank,
    complaints,
    share_of_complaints,
    cumulative_share,
    is_vital_few,
    repeat_complaints,
    repeat_share,
    complaints_rated,
    average_satisfaction,
    satisfied_share_of_rated
from final
