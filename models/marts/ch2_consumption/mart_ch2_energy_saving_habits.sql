{#- What surveyed customers say they do to save energy (surveys.energy_saving_actions), by
    customer type and survey year, next to what their meters show in the same year: the average
    valley share of kWh and monthly kWh of those reporting the habit and of those not. Only
    surveys that asked the question count; a customer answering twice in a year counts once,
    with the later answer. -#}
with surveys as (
    select
        customer_id,
        cast({{ dbt.date_trunc('year', 'survey_date') }} as date) as survey_year_start,
        energy_saving_actions,
        row_number() over (
            partition by customer_id, extract(year from survey_date)
            order by survey_date desc, survey_id desc
        ) as answer_order
    from {{ ref('stg_service__surveys') }}
    where energy_saving_actions is not null
),

customers as (
    select
        customer_id,
        customer_type
    from {{ ref('stg_cis__customers') }}
),

actions as (
    select code as action
    from {{ ref('code_labels') }}
    where code_set = 'energy_saving_action'
),

respondents as (
    select
        surveys.customer_id,
        customers.customer_type,
        surveys.survey_year_start,
        {{ marts_split_list('surveys.energy_saving_actions', '|') }} as reported_actions
    from surveys
    inner join customers
        on surveys.customer_id = customers.customer_id
    where surveys.answer_order = 1
),

respondent_years as (
    select
        customer_months.customer_id,
        cast({{ dbt.date_trunc('year', 'customer_months.usage_month') }} as date) as usage_year_start,
        cast(sum(customer_months.kwh_valley) as double) / nullif(cast(sum(customer_months.kwh_total) as double), 0) as valley_share_of_kwh,
        {{ avg_as_double('customer_months.kwh_total') }} as kwh_per_month
    from {{ ref('int_consumption__customer_months') }} as customer_months
    inner join (select distinct customer_id from respondents) as respondent_ids
        on customer_months.customer_id = respondent_ids.customer_id
    group by customer_months.customer_id, {{ dbt.date_trunc('year', 'customer_months.usage_month') }}
),

respondent_actions as (
    select
        respondents.customer_type,
        respondents.survey_year_start,
        actions.action,
        {{ marts_list_contains('respondents.reported_actions', 'actions.action') }} as is_reporting,
        respondent_years.valley_share_of_kwh,
        respondent_years.kwh_per_month
    from respondents
    cross join actions
    left join respondent_years
        on respondents.customer_id = respondent_years.customer_id
        and respondents.survey_year_start = respondent_years.usage_year_start
),

habit_groups as (
    select
        customer_type,
        survey_year_start,
        action,
        count(*) as customers_surveyed,
        count(*) filter (where is_reporting) as customers_reporting,
        avg(valley_share_of_kwh) filter (where is_reporting) as valley_share_of_kwh_reporting,
        avg(valley_share_of_kwh) filter (where not is_reporting) as valley_share_of_kwh_not_reporting,
        avg(kwh_per_month) filter (where is_reporting) as kwh_per_month_reporting,
        avg(kwh_per_month) filter (where not is_reporting) as kwh_per_month_not_reporting
    from respondent_actions
    group by customer_type, survey_year_start, action
),

final as (
    select
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(survey_year_start as date) as survey_year_start,
        cast(action as {{ dbt.type_string() }}) as energy_saving_action,
        cast(customers_surveyed as bigint) as customers_surveyed,
        cast(customers_reporting as bigint) as customers_reporting,
        cast(customers_reporting / cast(customers_surveyed as double) as double) as reporting_share,
        cast(valley_share_of_kwh_reporting as double) as valley_share_of_kwh_reporting,
        cast(valley_share_of_kwh_not_reporting as double) as valley_share_of_kwh_not_reporting,
        cast(kwh_per_month_reporting as double) as kwh_per_month_reporting,
        cast(kwh_per_month_not_reporting as double) as kwh_per_month_not_reporting
    from habit_groups
)

select
    customer_type,
    survey_year_start,
    energy_saving_action,
    customers_surveyed,
    customers_reporting,
    reporting_share,
    valley_share_of_kwh_reporting,
    valley_share_of_kwh_not_reporting,
    kwh_per_month_reporting,
    kwh_per_month_not_reporting
from final
