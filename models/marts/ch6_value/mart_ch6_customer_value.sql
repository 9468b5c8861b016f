{#- One row per active customer: the value components, composite score and tier, joined with
    the churn risk tier into a value-by-risk segment that says how to treat the customer. The
    risk tier comes from the scoring layer (py_churn_scores), not from the chapter 5 mart. -#}
with churn_scores as (
    select
        customer_id,
        churn_probability,
        risk_tier
    from {{ ref('py_churn_scores') }}
),

risk_tiers as (
    select
        customer_value.customer_id,
        churn_scores.churn_probability,
        coalesce(churn_scores.risk_tier, 'unscored') as churn_risk_tier
    from {{ ref('py_customer_value') }} as customer_value
    left join churn_scores
        on customer_value.customer_id = churn_scores.customer_id
),

final as (
    select
        cast(customer_value.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(urban_rural as {{ dbt.type_string() }}) as urban_rural,
        cast(payment_mode as {{ dbt.type_string() }}) as payment_mode,
        cast(has_pv as boolean) as has_pv,
        cast(contract_capacity_kva as double) as contract_capacity_kva,
        cast(months_observed as integer) as months_observed,
        cast(kwh_12m as double) as kwh_12m,
        cast({{ round_double('revenue_12m', 2) }} as decimal(18, 2)) as revenue_12m_yuan,
        cast({{ round_double('energy_charge_12m', 2) }} as decimal(18, 2)) as energy_charge_12m_yuan,
        cast(kwh_cv_12m as double) as kwh_cv_12m,
        cast(kwh_growth_12m as double) as kwh_growth_12m,
        cast(capacity_headroom as double) as capacity_headroom,
        cast(credit_grade as {{ dbt.type_string() }}) as credit_grade,
        cast(consumption_score as double) as consumption_score,
        cast(stability_score as double) as stability_score,
        cast(credit_score as double) as credit_grade_score,
        cast(growth_score as double) as growth_score,
        cast(value_score as double) as value_score,
        cast(value_tier as {{ dbt.type_string() }}) as value_tier,
        cast(risk_tiers.churn_probability as double) as churn_probability,
        cast(churn_risk_tier as {{ dbt.type_string() }}) as churn_risk_tier,
        cast(value_tier || '_value_' || churn_risk_tier || '_risk' as {{ dbt.type_string() }}) as value_risk_segment,
        cast(case
            when churn_risk_tier in ('high', 'medium') and value_tier = 'high' then 'retain_first'
            when churn_risk_tier in ('high', 'medium') and value_tier = 'medium' then 'retain_at_low_cost'
            when churn_risk_tier in ('high', 'medium') then 'serve_efficiently'
            when value_tier = 'high' then 'reward_and_grow'
            when value_tier = 'medium' then 'develop'
            else 'serve_efficiently'
        end as {{ dbt.type_string() }}) as segment_approach
    from {{ ref('py_customer_value') }} as customer_value
    inner join risk_tiers
        on customer_value.customer_id = risk_tiers.customer_id
)

select
    customer_id,
    snapshot_date,
    customer_type,
    region_code,
    urban_rural,
    payment_mode,
    has_pv,
    contract_capacity_kva,
    months_observed,
    kwh_12m,
    revenue_12m_yuan,
    energy_charge_12m_yuan,
    kwh_cv_12m,
    kwh_growth_12m,
    capacity_headroom,
    credit_grade,
    consumption_score,
    stability_score,
    credit_grade_score,
    growth_score,
    value_score,
    value_tier,
    churn_probability,
    churn_risk_tier,
    value_risk_segment,
    segment_approach
from final
