{#- Issued bills against the same month last year, overall and per region, with the change
    split into three effects that add up to it. Segments are customer types: with B = bill,
    Q = kWh, s_g = a type's share of kWh and p_g = its yuan per kWh (0 = last year, 1 = this):
      volume effect = (Q1 - Q0) * B0 / Q0           (more or less energy at last year's average price)
      mix effect    = Q1 * sum_g (s1_g - s0_g) * p0_g (energy moving between dearer and cheaper types)
      price effect  = (B1 - B0) - volume - mix      (= Q1 * sum_g s1_g * (p1_g - p0_g) when every
                                                     segment has energy; a basic charge billed on
                                                     zero kWh counts as price)
    A type with no energy last year is priced at this year's price, so it moves only the mix. -#}
with bills as (
    select billing_month, region_code, customer_type, kwh_total, total_amount
    from {{ ref('fct_bills') }}
),

segment_months as (
    select billing_month, 'all' as region_scope, customer_type,
        cast(sum(kwh_total) as double) as kwh, cast(sum(total_amount) as double) as amount
    from bills
    group by billing_month, customer_type
    union all
    select billing_month, region_code as region_scope, customer_type,
        cast(sum(kwh_total) as double) as kwh, cast(sum(total_amount) as double) as amount
    from bills
    group by billing_month, region_code, customer_type
),

billed_months as (
    select distinct billing_month from bills
),

-- months whose same month last year is inside the data
comparable_months as (
    select this_year.billing_month
    from billed_months as this_year
    inner join billed_months as last_year
        on last_year.billing_month = cast({{ dbt.dateadd('month', -12, 'this_year.billing_month') }} as date)
),

-- every (month, scope, type) present in either year, so a type that vanished still counts
segment_keys as (
    select segment_months.billing_month, segment_months.region_scope, segment_months.customer_type
    from segment_months
    inner join comparable_months
        on segment_months.billing_month = comparable_months.billing_month
    union
    select comparable_months.billing_month, segment_months.region_scope, segment_months.customer_type
    from segment_months
    inner join comparable_months
        on segment_months.billing_month = cast({{ dbt.dateadd('month', -12, 'comparable_months.billing_month') }} as date)
),

segment_pairs as (
    select
        segment_keys.billing_month,
        segment_keys.region_scope,
        segment_keys.customer_type,
        coalesce(this_year.kwh, 0) as kwh_this_year,
        coalesce(this_year.amount, 0) as amount_this_year,
        coalesce(last_year.kwh, 0) as kwh_last_year,
        coalesce(last_year.amount, 0) as amount_last_year
    from segment_keys
    left join segment_months as this_year
        on this_year.billing_month = segment_keys.billing_month
        and this_year.region_scope = segment_keys.region_scope
        and this_year.customer_type = segment_keys.customer_type
    left join segment_months as last_year
        on last_year.billing_month = cast({{ dbt.dateadd('month', -12, 'segment_keys.billing_month') }} as date)
        and last_year.region_scope = segment_keys.region_scope
        and last_year.customer_type = segment_keys.customer_type
),

segment_prices as (
    select
        billing_month,
        region_scope,
        customer_type,
        kwh_this_year,
        amount_this_year,
        kwh_last_year,
        amount_last_year,
        sum(kwh_this_year) over (partition by billing_month, region_scope) as scope_kwh_this_year,
        sum(kwh_last_year) over (partition by billing_month, region_scope) as scope_kwh_last_year,
        coalesce(amount_last_year / nullif(kwh_last_year, 0), amount_this_year / nullif(kwh_this_year, 0), 0)
            as price_last_year
    from segment_pairs
),

scope_months as (
    select
        billing_month,
        region_scope,
        sum(amount_this_year) as bill_amount,
        sum(amount_last_year) as bill_amount_last_year,
        sum(kwh_this_year) as kwh_total,
        sum(kwh_last_year) as kwh_total_last_year,
        sum(kwh_this_year * price_last_year) - max(scope_kwh_this_year)
            * sum(kwh_last_year * price_last_year) / nullif(max(scope_kwh_last_year), 0) as mix_effect
    from segment_prices
    group by billing_month, region_scope
),

final as (
    select
        billing_month,
        region_scope,
        cast(bill_amount as decimal(18, 2)) as bill_amount,
        cast(bill_amount_last_year as decimal(18, 2)) as bill_amount_last_year,
        bill_amount - bill_amount_last_year as bill_change,
        bill_amount / nullif(bill_amount_last_year, 0) - 1 as bill_change_rate,
        kwh_total,
        kwh_total_last_year,
        (kwh_total - kwh_total_last_year) * bill_amount_last_year / nullif(kwh_total_last_year, 0)
            as volume_effect,
        mix_effect
    from scope_months
)

select
    billing_month, region_scope, bill_amount, bill_amount_last_year, bill_change, bill_change_rate,
    kwh_total, kwh_total_last_year, volume_effect,
    bill_change - volume_effect - mix_effect as price_effect,
    mix_effect
from final
