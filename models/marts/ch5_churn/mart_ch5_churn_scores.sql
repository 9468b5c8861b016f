-- the Python model's output, typed for the contract
with final as (
    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(model_name as {{ dbt.type_string() }}) as model_name,
        cast(churn_probability as double) as churn_probability,
        cast(risk_tier as {{ dbt.type_string() }}) as risk_tier,
        cast(driver_1 as {{ dbt.type_string() }}) as driver_1,
        cast(driver_1_contribution as double) as driver_1_contribution,
        cast(driver_2 as {{ dbt.type_string() }}) as driver_2,
        cast(driver_2_contribution as double) as driver_2_contribution,
        cast(driver_3 as {{ dbt.type_string() }}) as driver_3,
        cast(driver_3_contribution as double) as driver_3_contribution,
        cast(annual_revenue_yuan as decimal(18, 2)) as annual_revenue_yuan,
        cast(revenue_at_risk_yuan as decimal(18, 2)) as revenue_at_risk_yuan,
        cast(retention_action as {{ dbt.type_string() }}) as retention_action,
        cast(model_version as {{ dbt.type_string() }}) as model_version
    from {{ ref('py_churn_scores') }}
)

select
    customer_id,
    snapshot_date,
    model_name,
    churn_probability,
    risk_tier,
    driver_1,
    driver_1_contribution,
    driver_2,
    driver_2_contribution,
    driver_3,
    driver_3_contribution,
    annual_revenue_yuan,
    revenue_at_risk_yuan,
    retention_action,
    model_version
from final
