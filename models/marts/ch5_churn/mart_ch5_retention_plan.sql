{#- The retention plan: one row per customer the churn model asks the retention team to act on,
    with what the action costs the utility, the revenue it is expected to keep, and what it is
    worth to the customer a year (costs and kept shares from the retention_actions seed; the
    customer's side priced by the same facts as chapters 2 and 6). -#}
with scored_customers as (
    select
        customer_id,
        snapshot_date,
        risk_tier,
        churn_probability,
        driver_1,
        annual_revenue_yuan,
        revenue_at_risk_yuan,
        retention_action
    from {{ ref('mart_ch5_churn_scores') }}
    where retention_action is not null
        and retention_action <> 'no_action'
),

actions as (
    select
        retention_action,
        action_cost_yuan,
        retained_share,
        customer_benefit_basis,
        description_en,
        description_zh
    from {{ ref('retention_actions') }}
),

late_fees as (
    select
        customer_id,
        late_fees_12m
    from {{ ref('py_churn_current_features') }}
),

tariff_savings as (
    select
        customer_id,
        max(saving_yuan_per_year) as best_tariff_saving_yuan
    from {{ ref('int_billing__saving_potential') }}
    group by customer_id
),

energy_charges as (
    select
        customer_id,
        energy_charge_12m
    from {{ ref('int_value__customer_value_inputs') }}
),

priced_actions as (
    select
        scored_customers.customer_id,
        scored_customers.snapshot_date,
        scored_customers.risk_tier,
        scored_customers.churn_probability,
        scored_customers.driver_1,
        scored_customers.retention_action,
        actions.description_en,
        actions.description_zh,
        scored_customers.annual_revenue_yuan,
        scored_customers.revenue_at_risk_yuan,
        actions.action_cost_yuan,
        actions.retained_share,
        cast(scored_customers.revenue_at_risk_yuan * actions.retained_share as decimal(18, 2))
            as expected_revenue_kept_yuan,
        actions.customer_benefit_basis,
        cast(case actions.customer_benefit_basis
            when 'late_fees_avoided' then coalesce(late_fees.late_fees_12m, 0)
            when 'tariff_saving' then coalesce(tariff_savings.best_tariff_saving_yuan, 0)
            when 'audit_saving' then coalesce(energy_charges.energy_charge_12m, 0) * {{ var('value_audit_saving_share') }}
            else 0
        end as decimal(18, 2)) as customer_benefit_yuan_per_year
    from scored_customers
    inner join actions
        on scored_customers.retention_action = actions.retention_action
    left join late_fees
        on scored_customers.customer_id = late_fees.customer_id
    left join tariff_savings
        on scored_customers.customer_id = tariff_savings.customer_id
    left join energy_charges
        on scored_customers.customer_id = energy_charges.customer_id
),

final as (
    select
        customer_id,
        snapshot_date,
        risk_tier,
        churn_probability,
        driver_1,
        retention_action,
        description_en,
        description_zh,
        annual_revenue_yuan,
        revenue_at_risk_yuan,
        action_cost_yuan,
        retained_share,
        expected_revenue_kept_yuan,
        cast(expected_revenue_kept_yuan - action_cost_yuan as decimal(18, 2)) as net_value_to_utility_yuan,
        customer_benefit_basis,
        customer_benefit_yuan_per_year,
        -- worth doing when it keeps more revenue than it costs, or saves the customer money
        expected_revenue_kept_yuan > action_cost_yuan or customer_benefit_yuan_per_year > 0 as worth_doing,
        cast(row_number() over (
            order by expected_revenue_kept_yuan - action_cost_yuan desc, customer_id
        ) as integer) as priority_rank
    from priced_actions
)

select
    customer_id,
    snapshot_date,
    risk_tier,
    churn_probability,
    driver_1,
    retention_action,
    description_en,
    description_zh,
    annual_revenue_yuan,
    revenue_at_risk_yuan,
    action_cost_yuan,
    retained_share,
    expected_revenue_kept_yuan,
    net_value_to_utility_yuan,
    customer_benefit_basis,
    customer_benefit_yuan_per_year,
    worth_doing,
    priority_rank
from final
