{#- The customers each service improvement issue concerns, one row per issue and customer, with
    the issue's figures beside them (mart_ch4_service_improvement sums these rows). An issue is
    (docs/ch4_service.md, "Service improvement"):
    - missed_commitment: a commitment of a ticket type met by fewer than
      service_commitment_target_share of its tickets in a region; its customers had a ticket missed;
    - repeat_complaint: a complaint category with repeat complaints (same customer and category
      within service_repeat_complaint_days days); its customers complained again;
    - low_survey_dimension: a survey dimension averaging below service_low_survey_average; its
      customers scored it service_low_survey_score or lower. -#}
with tickets as (
    select
        customer_id,
        ticket_type,
        category,
        region_code,
        is_repeat_complaint
    from {{ ref('fct_service_tickets') }}
),

commitment_cases as (
    {{ service_commitment_rows(ref('fct_service_tickets'), ['customer_id', 'ticket_type', 'region_code']) }}
),

survey_answers as (
    {{ survey_dimension_rows(ref('stg_service__surveys'), ['customer_id']) }}
),

commitment_groups as (
    select
        'missed_commitment|' || commitment || '|' || coalesce(region_code, '') as issue_id,
        'missed_commitment' as issue_type,
        customer_id,
        ticket_type,
        region_code,
        commitment,
        cast(null as {{ dbt.type_string() }}) as category,
        cast(null as {{ dbt.type_string() }}) as survey_dimension,
        not is_met as is_case,
        count(*) over (partition by commitment, region_code) as group_cases,
        avg(case when is_met then {{ double_literal('1.0') }} else 0.0 end) over (partition by commitment, region_code) as observed_value,
        cast({{ var('service_commitment_target_share') }} as double) as target_value
    from commitment_cases
),

complaint_groups as (
    select
        'repeat_complaint|' || category as issue_id,
        'repeat_complaint' as issue_type,
        customer_id,
        ticket_type,
        cast(null as {{ dbt.type_string() }}) as region_code,
        cast(null as {{ dbt.type_string() }}) as commitment,
        category,
        cast(null as {{ dbt.type_string() }}) as survey_dimension,
        is_repeat_complaint as is_case,
        count(*) over (partition by category) as group_cases,
        avg(case when is_repeat_complaint then {{ double_literal('1.0') }} else 0.0 end) over (partition by category) as observed_value,
        cast(0 as double) as target_value
    from tickets
    where ticket_type = 'complaint'
),

survey_groups as (
    select
        'low_survey_dimension|' || dimension as issue_id,
        'low_survey_dimension' as issue_type,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as ticket_type,
        cast(null as {{ dbt.type_string() }}) as region_code,
        cast(null as {{ dbt.type_string() }}) as commitment,
        cast(null as {{ dbt.type_string() }}) as category,
        dimension as survey_dimension,
        score <= {{ var('service_low_survey_score') }} as is_case,
        count(*) over (partition by dimension) as group_cases,
        avg(cast(score as double)) over (partition by dimension) as observed_value,
        cast({{ var('service_low_survey_average') }} as double) as target_value
    from survey_answers
),

all_groups as (
    select issue_id, issue_type, customer_id, ticket_type, region_code, commitment, category, survey_dimension,
           is_case, group_cases, observed_value, target_value
    from commitment_groups
    where observed_value < target_value
    union all
    select issue_id, issue_type, customer_id, ticket_type, region_code, commitment, category, survey_dimension,
           is_case, group_cases, observed_value, target_value
    from complaint_groups
    where observed_value > target_value
    union all
    select issue_id, issue_type, customer_id, ticket_type, region_code, commitment, category, survey_dimension,
           is_case, group_cases, observed_value, target_value
    from survey_groups
    where observed_value < target_value
),

final as (
    select
        cast(issue_id as {{ dbt.type_string() }}) as issue_id,
        cast(issue_type as {{ dbt.type_string() }}) as issue_type,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(max(ticket_type) as {{ dbt.type_string() }}) as ticket_type,
        cast(max(region_code) as {{ dbt.type_string() }}) as region_code,
        cast(max(commitment) as {{ dbt.type_string() }}) as commitment,
        cast(max(category) as {{ dbt.type_string() }}) as category,
        cast(max(survey_dimension) as {{ dbt.type_string() }}) as survey_dimension,
        cast(count(*) as bigint) as customer_case_count,
        cast(max(group_cases) as bigint) as issue_group_case_count,
        cast(case when issue_type <> 'low_survey_dimension' then max(observed_value) end as double) as observed_share,
        cast(case when issue_type <> 'low_survey_dimension' then max(target_value) end as double) as target_share,
        cast(case when issue_type = 'low_survey_dimension' then max(observed_value) end as double) as observed_score,
        cast(case when issue_type = 'low_survey_dimension' then max(target_value) end as double) as target_score
    from all_groups
    where is_case
    group by issue_id, issue_type, customer_id
)

select
    issue_id,
    issue_type,
    customer_id,
    ticket_type,
    region_code,
    commitment,
    category,
    survey_dimension,
    customer_case_count,
    issue_group_case_count,
    observed_share,
    target_share,
    observed_score,
    target_score
from final
