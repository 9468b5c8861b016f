-- Each breakdown (urban/rural, sector, customer type, region) partitions the base: its values
-- add up to the 'all' row in every month.
with breakdown_totals as (
    select report_month, breakdown, sum(active_customers) as active_customers,
        sum(new_customers) as new_customers, sum(closed_customers) as closed_customers
    from {{ ref('mart_ch1_customer_counts_monthly') }}
    group by report_month, breakdown
)

select parts.report_month, parts.breakdown
from breakdown_totals as parts
inner join breakdown_totals as whole_base
    on whole_base.report_month = parts.report_month
    and whole_base.breakdown = 'all'
where parts.active_customers <> whole_base.active_customers
    or parts.new_customers <> whole_base.new_customers
    or parts.closed_customers <> whole_base.closed_customers
