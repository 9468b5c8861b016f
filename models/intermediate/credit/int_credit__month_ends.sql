-- the month ends at which balances and arrears are observed: every month from the first billing
-- month up to the last month that ended on or before the data's observation end (the latest bill
-- issue date or payment date in the export), so no month end looks past the data
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

observation_period as (
    select
        bill_dates.first_billing_month,
        greatest(bill_dates.last_issue_date, coalesce(payment_dates.last_payment_date, bill_dates.last_issue_date))
            as observation_end_date
    from bill_dates
    cross join payment_dates
),

month_starts as (
    select
        {{ date_series('first_billing_month', 'observation_end_date', 'month') }} as month_start,
        observation_end_date
    from observation_period
),

final as (
    select
        month_start,
        cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end,
        -- consecutive month number, so "the next 3 months" is arithmetic
        cast(extract(year from month_start) * 12 + extract(month from month_start) as integer) as month_index,
        observation_end_date
    from month_starts
)

select
    month_start,
    month_end,
    month_index,
    observation_end_date
from final
where month_end <= observation_end_date
