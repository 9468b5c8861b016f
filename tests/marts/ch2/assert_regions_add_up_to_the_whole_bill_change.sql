-- Regions partition the base: their bill changes add up to the whole base's change each month.
with region_totals as (
    select billing_month, sum(bill_change) as bill_change
    from {{ ref('mart_ch2_bill_trend_yoy') }}
    where region_scope <> 'all'
    group by billing_month
)

select region_totals.billing_month, region_totals.bill_change, whole_base.bill_change as whole_base_change
from region_totals
inner join {{ ref('mart_ch2_bill_trend_yoy') }} as whole_base
    on whole_base.billing_month = region_totals.billing_month
    and whole_base.region_scope = 'all'
where abs(region_totals.bill_change - whole_base.bill_change) > 0.005
