{#- Retention and marketing campaign plan: one row per campaign of seeds/campaign_assumptions.csv
    (the take-up shares and contact costs are the utility's to replace), its target customers
    (listed in mart_ch6_campaign_targets), the customers expected to take it up, and the yuan a
    year expected for the utility and for the customers, with what contacting the targets costs
    (docs/ch6_value.md, "Campaign plan"). -#}
with campaigns as (
    select
        campaign,
        campaign_kind,
        target_risk_tier,
        target_offer,
        expected_take_up_share,
        contact_cost_yuan
    from {{ ref('campaign_assumptions') }}
),

targets as (
    select
        campaign,
        count(*) as target_customers,
        sum(utility_yuan_per_year) as utility_yuan_per_year_if_all_take_up,
        sum(customer_yuan_per_year) as customer_yuan_per_year_if_all_take_up
    from {{ ref('mart_ch6_campaign_targets') }}
    group by campaign
),

final as (
    select
        cast(campaigns.campaign as {{ dbt.type_string() }}) as campaign,
        cast(campaigns.campaign_kind as {{ dbt.type_string() }}) as campaign_kind,
        cast(campaigns.target_risk_tier as {{ dbt.type_string() }}) as target_risk_tier,
        cast(campaigns.target_offer as {{ dbt.type_string() }}) as target_offer,
        cast(coalesce(targets.target_customers, 0) as bigint) as target_customers,
        cast(campaigns.expected_take_up_share as double) as expected_take_up_share,
        cast(coalesce(targets.target_customers, 0) * campaigns.expected_take_up_share as double)
            as expected_take_up_customers,
        cast(coalesce(targets.utility_yuan_per_year_if_all_take_up, 0) * campaigns.expected_take_up_share
            as decimal(18, 2)) as expected_utility_yuan_per_year,
        cast(coalesce(targets.customer_yuan_per_year_if_all_take_up, 0) * campaigns.expected_take_up_share
            as decimal(18, 2)) as expected_customer_yuan_per_year,
        cast(coalesce(targets.target_customers, 0) * campaigns.contact_cost_yuan as decimal(18, 2))
            as campaign_cost_yuan,
        cast(coalesce(targets.utility_yuan_per_year_if_all_take_up, 0) * campaigns.expected_take_up_share
            - coalesce(targets.target_customers, 0) * campaigns.contact_cost_yuan as decimal(18, 2))
            as expected_net_utility_yuan_first_year
    from campaigns
    left join targets
        on campaigns.campaign = targets.campaign
)

select
    campaign,
    campaign_kind,
    target_risk_tier,
    target_offer,
    target_customers,
    expected_take_up_share,
    expected_take_up_customers,
    expected_utility_yuan_per_year,
    expected_customer_yuan_per_year,
    campaign_cost_yuan,
    expected_net_utility_yuan_first_year
from final
