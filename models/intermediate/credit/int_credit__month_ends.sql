-- the month ends at which balances and arrears are observed: every month from the first billing
-- month up to the last month that ended on or before the data's observation end (the latest bill
-- issue date or payment date in the export), so no month end looks past the data, and no later
-- than the last complete month (the last month of meter readings): the export is taken after
-- it, and the month end after it, the export cut-off, lacks the payments made after the export
-- and shows more arrears than there are (docs/ch3_credit.md, Limits)
with bill_dates as (
    select
        min(billing_month) as first_billing_month,
        max(issue_date) as last_issue_date
    from {{ ref('stg_cis__bills') }}
),

payment_dates as (
    select max(cast(paid_at as date)) as last_payment_date
    from {{ ref('stg_cis__payments') }}
),

usage_months as (
    select max(usage_month) as last_complete_month
    from {{ ref('int_consumption__customer_months') }}
),

observation_period as (
    select
        bill_dates.first_billing_month,
        greatest(bill_dates.last_issue_date, coalesce(payment_dates.last_payment_date, bill_dates.last_issue_date))
            as observation_end_date,
        usage_months.last_complete_month
    from bill_dates
    cross join payment_dates
    cross join usage_months
),

month_starts as (
    select
        {{ date_series('first_billing_month', 'observation_end_date', 'month') }} as month_start,
        observation_end_date,
        last_complete_month
    from observation_period
),

final as (
    select
        month_start,
        cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end,
        -- consecutive month number, so "the next 3 months" is arithmetic
        cast(extract(year from month_start) * 12 + extract(month from month_start) as integer) as month_index,
        observation_end_date,
        last_complete_month
    from month_starts
)

select
    month_start,
    month_end,
    month_index,
    observation_end_date
from final
where month_end <= observation_end_date
    and (last_complete_month is null or month_start <= last_complete_month)
