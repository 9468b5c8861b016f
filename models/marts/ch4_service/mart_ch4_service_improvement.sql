{#- Service improvement strategies derived from the data: one row per issue found (missed
    commitments by ticket type and region, repeat complaints by category, low survey
    dimensions), how many customers it concerns (listed in mart_ch4_service_improvement_customers),
    a severity from the gap to its target and the recommended strategy (code set
    service_strategy). Rules in docs/ch4_service.md, "Service improvement". -#}
with issue_customers as (
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
    from {{ ref('mart_ch4_service_improvement_customers') }}
),

issues as (
    select
        issue_id,
        issue_type,
        max(ticket_type) as ticket_type,
        max(region_code) as region_code,
        max(commitment) as commitment,
        max(category) as category,
        max(survey_dimension) as survey_dimension,
        count(*) as customers,
        sum(customer_case_count) as case_count,
        max(issue_group_case_count) as group_case_count,
        max(observed_share) as observed_share,
        max(target_share) as target_share,
        max(observed_score) as observed_score,
        max(target_score) as target_score
    from issue_customers
    group by issue_id, issue_type
),

-- the gap to the target in the issue's own terms: share points of commitments missed or of
-- complaints repeated, survey points below the average aimed at
issue_gaps as (
    select
        *,
        case issue_type
            when 'missed_commitment' then target_share - observed_share
            when 'repeat_complaint' then observed_share - target_share
            when 'low_survey_dimension' then target_score - observed_score
        end as gap
    from issues
),

final as (
    select
        cast(issue_id as {{ dbt.type_string() }}) as issue_id,
        cast(issue_type as {{ dbt.type_string() }}) as issue_type,
        cast(ticket_type as {{ dbt.type_string() }}) as ticket_type,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(commitment as {{ dbt.type_string() }}) as commitment,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(survey_dimension as {{ dbt.type_string() }}) as survey_dimension,
        cast(customers as bigint) as customers,
        cast(case_count as bigint) as case_count,
        cast(group_case_count as bigint) as group_case_count,
        cast(observed_share as double) as observed_share,
        cast(target_share as double) as target_share,
        cast(observed_score as double) as observed_score,
        cast(target_score as double) as target_score,
        cast(case
            when issue_type = 'low_survey_dimension' and gap >= 1.0 then 'high'
            when issue_type = 'low_survey_dimension' and gap >= 0.5 then 'medium'
            when issue_type = 'low_survey_dimension' then 'low'
            when gap >= 0.10 then 'high'
            when gap >= 0.05 then 'medium'
            else 'low'
        end as {{ dbt.type_string() }}) as severity,
        cast(case
            when issue_type = 'missed_commitment' and ticket_type = 'fault_repair' then 'add_repair_crews'
            when issue_type = 'missed_commitment' then 'speed_up_ticket_handling'
            when issue_type = 'repeat_complaint' then 'root_cause_follow_up'
            when survey_dimension = 'reliability' then 'grid_reliability_upgrade'
            when survey_dimension = 'power_quality' then 'voltage_quality_fix'
            when survey_dimension = 'billing' then 'billing_clarity'
            when survey_dimension = 'staff' then 'staff_training'
            when survey_dimension = 'channels' then 'channel_improvement'
            else 'customer_care_review'
        end as {{ dbt.type_string() }}) as recommended_strategy
    from issue_gaps
)

select
    issue_id,
    issue_type,
    ticket_type,
    region_code,
    commitment,
    category,
    survey_dimension,
    customers,
    case_count,
    group_case_count,
    observed_share,
    target_share,
    observed_score,
    target_score,
    severity,
    recommended_strategy
from final
