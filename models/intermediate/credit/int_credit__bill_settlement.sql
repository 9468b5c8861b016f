-- one row per bill: how and when it was paid, how late, and what is still open
-- (definitions in docs/ch3_credit.md)
with bills as (
    select
        bill_id,
        customer_id,
        billing_month,
        issue_date,
        due_date,
        total_amount,
        greatest(total_amount, 0) as amount_due
    from {{ ref('stg_cis__bills') }}
),

observation_period as (
    select
        max(month_end) as last_month_end,
        max(observation_end_date) as observation_end_date
    from {{ ref('int_credit__month_ends') }}
),

running_allocations as (
    select
        bill_id,
        payment_id,
        cast(settled_at as date) as settled_date,
        allocated_amount,
        allocation_method,
        sum(allocated_amount) over (
            partition by bill_id
            order by settled_at, payment_id
            rows between unbounded preceding and current row
        ) as cumulative_settled
    from {{ ref('int_credit__payment_allocations') }}
),

bill_payment_summary as (
    select
        running_allocations.bill_id,
        sum(running_allocations.allocated_amount) as amount_paid,
        sum(case when running_allocations.settled_date <= bills.due_date then running_allocations.allocated_amount else 0 end)
            as amount_paid_by_due_date,
        count(distinct running_allocations.payment_id) as payment_count,
        min(running_allocations.settled_date) as first_payment_date,
        min(case when running_allocations.cumulative_settled >= bills.amount_due then running_allocations.settled_date end)
            as paid_in_full_date,
        max(case when running_allocations.allocation_method = 'bill_reference' then 1 else 0 end) as has_bill_payment,
        max(case when running_allocations.allocation_method = 'balance_fifo' then 1 else 0 end) as has_balance_payment
    from running_allocations
    inner join bills on running_allocations.bill_id = bills.bill_id
    group by running_allocations.bill_id
),

settlement as (
    select
        bills.bill_id,
        bills.customer_id,
        bills.billing_month,
        bills.issue_date,
        bills.due_date,
        bills.total_amount,
        coalesce(bill_payment_summary.amount_paid, 0) as amount_paid,
        coalesce(bill_payment_summary.amount_paid_by_due_date, 0) as amount_paid_by_due_date,
        bills.amount_due - coalesce(bill_payment_summary.amount_paid, 0) as amount_outstanding,
        coalesce(bill_payment_summary.payment_count, 0) as payment_count,
        bill_payment_summary.first_payment_date,
        -- a bill that owes nothing is settled the day it is issued
        case when bills.amount_due = 0 then bills.issue_date else bill_payment_summary.paid_in_full_date end
            as paid_in_full_date,
        case
            when bills.amount_due = 0 then 'nothing_due'
            when bill_payment_summary.has_bill_payment = 1 and bill_payment_summary.has_balance_payment = 1 then 'mixed'
            when bill_payment_summary.has_bill_payment = 1 then 'bill_payment'
            when bill_payment_summary.has_balance_payment = 1 then 'prepaid_balance'
            else 'unpaid'
        end as settlement_source,
        -- the first month end at which the bill can be past due (the due date itself is on time)
        cast({{ dbt.last_day(dbt.dateadd('day', 1, 'bills.due_date'), 'month') }} as date) as arrears_check_date,
        observation_period.last_month_end,
        observation_period.observation_end_date
    from bills
    cross join observation_period
    left join bill_payment_summary on bills.bill_id = bill_payment_summary.bill_id
),

final as (
    select
        bill_id,
        customer_id,
        billing_month,
        issue_date,
        due_date,
        cast(total_amount as decimal(18, 2)) as total_amount,
        cast(amount_paid as decimal(18, 2)) as amount_paid,
        cast(amount_paid_by_due_date as decimal(18, 2)) as amount_paid_by_due_date,
        cast(amount_outstanding as decimal(18, 2)) as amount_outstanding,
        cast(payment_count as bigint) as payment_count,
        first_payment_date,
        paid_in_full_date,
        paid_in_full_date is not null as is_paid_in_full,
        coalesce(paid_in_full_date <= due_date, false) as is_paid_on_time,
        cast(case when paid_in_full_date is not null
            then {{ dbt.datediff('due_date', 'paid_in_full_date', 'day') }} end as integer) as days_paid_after_due,
        cast(case when paid_in_full_date is not null
            then greatest({{ dbt.datediff('due_date', 'paid_in_full_date', 'day') }}, 0) end as integer) as days_late,
        cast(case when paid_in_full_date is null
            then greatest({{ dbt.datediff('due_date', 'observation_end_date', 'day') }}, 0) end as integer)
            as days_overdue_at_observation_end,
        settlement_source,
        arrears_check_date,
        case
            when arrears_check_date > last_month_end then null
            else not coalesce(paid_in_full_date <= arrears_check_date, false)
        end as entered_arrears
    from settlement
)

select
    bill_id,
    customer_id,
    billing_month,
    issue_date,
    due_date,
    total_amount,
    amount_paid,
    amount_paid_by_due_date,
    amount_outstanding,
    payment_count,
    first_payment_date,
    paid_in_full_date,
    is_paid_in_full,
    is_paid_on_time,
    days_paid_after_due,
    days_late,
    days_overdue_at_observation_end,
    settlement_source,
    arrears_check_date,
    entered_arrears
from final
