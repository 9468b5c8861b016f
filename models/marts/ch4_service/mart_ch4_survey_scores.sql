-- survey scores (1-10) per dimension, customer type and region
{% set dimensions = survey_dimensions() %}
with surveys as (
    select
        surveys.survey_id,
        customers.customer_type,
        customers.region_code,
        {%- for dimension in dimensions %}
        surveys.{{ dimension }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('stg_service__surveys') }} as surveys
    inner join {{ ref('stg_cis__customers') }} as customers on surveys.customer_id = customers.customer_id
),

dimension_scores as (
    {{ survey_dimension_rows('surveys', ['customer_type', 'region_code']) }}
),

score_summary as (
    select
        dimension,
        customer_type,
        region_code,
        count(*) as responses,
        avg(cast(score as double)) as average_score,
        -- 8 to 10 of 10 counts as satisfied, 1 to 5 as dissatisfied
        sum(case when score >= 8 then 1 else 0 end) as satisfied_responses,
        sum(case when score <= 5 then 1 else 0 end) as dissatisfied_responses
    from dimension_scores
    group by dimension, customer_type, region_code
),

final as (
    select
        cast(dimension as {{ dbt.type_string() }}) as dimension,
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(responses as bigint) as responses,
        cast(average_score as double) as average_score,
        cast(satisfied_responses / cast(responses as double) as double) as satisfied_share,
        cast(dissatisfied_responses / cast(responses as double) as double) as dissatisfied_share
    from score_summary
)

select
    dimension,
    customer_type,
    region_code,
    responses,
    average_score,
    satisfied_share,
    dissatisfied_share
from final
