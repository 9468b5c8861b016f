{#- The target list of every campaign of seeds/campaign_assumptions.csv, one row per campaign and
    customer, with the yuan a year the campaign brings the utility and the customer if this
    customer takes it up (mart_ch6_campaign_plan sums them with the expected take-up):
    - a retention campaign targets the customers of its churn risk tier (py_churn_scores): the
      utility keeps the revenue at risk, the customer gets their best offer to the customer;
    - a marketing campaign targets the customers with its offer (mart_ch6_offers), except those
      a retention campaign already contacts: the offer's yuan go to its beneficiary. -#}
with campaigns as (
    select
        campaign,
        campaign_kind,
        target_risk_tier,
        target_offer
    from {{ ref('campaign_assumptions') }}
),

churn_scores as (
    select
        customer_id,
        risk_tier,
        revenue_at_risk_yuan
    from {{ ref('py_churn_scores') }}
),

offers as (
    select
        customer_id,
        offer,
        beneficiary,
        yuan_per_year
    from {{ ref('mart_ch6_offers') }}
),

best_customer_offers as (
    select
        customer_id,
        max(yuan_per_year) as yuan_per_year
    from offers
    where beneficiary = 'customer'
    group by customer_id
),

retention_targets as (
    select
        campaigns.campaign,
        churn_scores.customer_id,
        coalesce(churn_scores.revenue_at_risk_yuan, 0) as utility_yuan_per_year,
        coalesce(best_customer_offers.yuan_per_year, 0) as customer_yuan_per_year
    from campaigns
    inner join churn_scores
        on campaigns.target_risk_tier = churn_scores.risk_tier
    left join best_customer_offers
        on churn_scores.customer_id = best_customer_offers.customer_id
    where campaigns.campaign_kind = 'retention'
),

marketing_targets as (
    select
        campaigns.campaign,
        offers.customer_id,
        case when offers.beneficiary = 'utility' then offers.yuan_per_year else 0 end as utility_yuan_per_year,
        case when offers.beneficiary = 'customer' then offers.yuan_per_year else 0 end as customer_yuan_per_year
    from campaigns
    inner join offers
        on campaigns.target_offer = offers.offer
    where campaigns.campaign_kind = 'marketing'
        and offers.customer_id not in (select customer_id from retention_targets)
),

all_targets as (
    select campaign, customer_id, utility_yuan_per_year, customer_yuan_per_year from retention_targets
    union all
    select campaign, customer_id, utility_yuan_per_year, customer_yuan_per_year from marketing_targets
),

final as (
    select
        cast(campaign as {{ dbt.type_string() }}) as campaign,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(utility_yuan_per_year as decimal(18, 2)) as utility_yuan_per_year,
        cast(customer_yuan_per_year as decimal(18, 2)) as customer_yuan_per_year
    from all_targets
)

select
    campaign,
    customer_id,
    utility_yuan_per_year,
    customer_yuan_per_year
from final
