{#- The value-by-risk grid: one row per segment with its size, value, revenue and risk. -#}
with valued_customers as (
    select
        customer_id,
        customer_type,
        value_tier,
        churn_risk_tier,
        value_risk_segment,
        segment_approach,
        value_score,
        kwh_12m,
        cast(revenue_12m_yuan as double) as revenue_12m_yuan,
        churn_probability
    from {{ ref('mart_ch6_customer_value') }}
),

base_totals as (
    select
        count(*) as all_customers,
        sum(revenue_12m_yuan) as all_revenue
    from valued_customers
),

segment_types as (
    select
        value_risk_segment,
        customer_type,
        row_number() over (
            partition by value_risk_segment order by count(*) desc, customer_type
        ) as type_rank
    from valued_customers
    group by value_risk_segment, customer_type
),

segment_summary as (
    select
        value_risk_segment,
        value_tier,
        churn_risk_tier,
        segment_approach,
        count(*) as customers,
        avg(value_score) as avg_value_score,
        avg(kwh_12m) as avg_kwh_12m,
        sum(revenue_12m_yuan) as revenue_12m_yuan,
        avg(churn_probability) as avg_churn_probability,
        sum(revenue_12m_yuan * coalesce(churn_probability, 0)) as revenue_at_risk_yuan
    from valued_customers
    group by value_risk_segment, value_tier, churn_risk_tier, segment_approach
),

final as (
    select
        cast(segment_summary.value_risk_segment as {{ dbt.type_string() }}) as value_risk_segment,
        cast(segment_summary.value_tier as {{ dbt.type_string() }}) as value_tier,
        cast(segment_summary.churn_risk_tier as {{ dbt.type_string() }}) as churn_risk_tier,
        cast(segment_summary.segment_approach as {{ dbt.type_string() }}) as segment_approach,
        cast(segment_summary.customers as integer) as customers,
        cast(segment_summary.customers as double) / base_totals.all_customers as customer_share,
        cast(segment_summary.avg_value_score as double) as avg_value_score,
        cast(segment_summary.avg_kwh_12m as double) as avg_kwh_12m,
        cast(round(segment_summary.revenue_12m_yuan, 2) as decimal(18, 2)) as revenue_12m_yuan,
        cast(segment_summary.revenue_12m_yuan as double) / nullif(cast(base_totals.all_revenue as double), 0) as revenue_share,
        cast(segment_summary.avg_churn_probability as double) as avg_churn_probability,
        cast({{ round_double('segment_summary.revenue_at_risk_yuan', 2) }} as decimal(18, 2)) as revenue_at_risk_yuan,
        cast(segment_types.customer_type as {{ dbt.type_string() }}) as commonest_customer_type
    from segment_summary
    cross join base_totals
    inner join segment_types
        on segment_summary.value_risk_segment = segment_types.value_risk_segment
        and segment_types.type_rank = 1
)

select
    value_risk_segment,
    value_tier,
    churn_risk_tier,
    segment_approach,
    customers,
    customer_share,
    avg_value_score,
    avg_kwh_12m,
    revenue_12m_yuan,
    revenue_share,
    avg_churn_probability,
    revenue_at_risk_yuan,
    commonest_customer_type
from final
