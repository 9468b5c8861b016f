-- which payment settled how much of which bill, and when (docs/ch3_credit.md "Allocation"):
-- 1. a payment that names one of the customer's bills settles that bill, oldest payment first,
--    up to the bill's amount; any excess becomes account balance;
-- 2. balance (prepaid top-ups, payments naming no or an unknown bill, excesses) settles the
--    customer's bills still open after step 1 first-in first-out: oldest due date first, and
--    a bill is settled from balance at the later of the top-up time and the bill's issue date
--    (money waiting in a prepaid balance pays the bill the day it is issued).
-- Late fees pay a penalty, not a bill, so they never settle one.
with bills as (
    select
        bill_id,
        customer_id,
        issue_date,
        due_date,
        -- a credit note (negative bill) owes nothing; it is not spread over other bills
        greatest(total_amount, 0) as amount_due
    from {{ ref('stg_cis__bills') }}
),

principal_payments as (
    select
        payment_id,
        customer_id,
        bill_id,
        paid_at,
        amount
    from {{ ref('stg_cis__payments') }}
    where payment_type in ('bill', 'prepaid_topup')
      and amount > 0
),

bill_referenced_payments as (
    select
        principal_payments.payment_id,
        principal_payments.customer_id,
        principal_payments.bill_id,
        principal_payments.paid_at,
        principal_payments.amount,
        bills.amount_due,
        sum(principal_payments.amount) over (
            partition by principal_payments.bill_id
            order by principal_payments.paid_at, principal_payments.payment_id
            rows between unbounded preceding and current row
        ) as cumulative_paid
    from principal_payments
    inner join bills
        on principal_payments.bill_id = bills.bill_id
       and principal_payments.customer_id = bills.customer_id
),

bill_referenced_shares as (
    select
        payment_id,
        customer_id,
        bill_id,
        paid_at,
        amount,
        -- the part of [cumulative_paid - amount, cumulative_paid) that falls inside [0, amount_due)
        least(cumulative_paid, amount_due) - least(cumulative_paid - amount, amount_due) as allocated_amount
    from bill_referenced_payments
),

unreferenced_payments as (
    select
        principal_payments.payment_id,
        principal_payments.customer_id,
        principal_payments.paid_at as credited_at,
        principal_payments.amount as credit_amount
    from principal_payments
    left join bills
        on principal_payments.bill_id = bills.bill_id
       and principal_payments.customer_id = bills.customer_id
    where bills.bill_id is null
),

balance_credits as (
    select payment_id, customer_id, credited_at, credit_amount
    from unreferenced_payments
    union all
    select
        payment_id,
        customer_id,
        paid_at as credited_at,
        amount - allocated_amount as credit_amount
    from bill_referenced_shares
    where amount > allocated_amount
),

balance_credit_ranges as (
    select
        payment_id,
        customer_id,
        credited_at,
        credit_amount,
        sum(credit_amount) over (
            partition by customer_id
            order by credited_at, payment_id
            rows between unbounded preceding and current row
        ) as range_end
    from balance_credits
),

bills_open_after_references as (
    select
        bills.bill_id,
        bills.customer_id,
        bills.issue_date,
        bills.due_date,
        bills.amount_due - coalesce(sum(bill_referenced_shares.allocated_amount), 0) as amount_open
    from bills
    left join bill_referenced_shares on bills.bill_id = bill_referenced_shares.bill_id
    group by bills.bill_id, bills.customer_id, bills.issue_date, bills.due_date, bills.amount_due
),

open_bill_ranges as (
    select
        bill_id,
        customer_id,
        issue_date,
        amount_open,
        sum(amount_open) over (
            partition by customer_id
            order by due_date, issue_date, bill_id
            rows between unbounded preceding and current row
        ) as range_end
    from bills_open_after_references
    where amount_open > 0
),

balance_allocations as (
    -- a credit's money range overlaps a bill's range in the customer's FIFO queue
    select
        balance_credit_ranges.payment_id,
        balance_credit_ranges.customer_id,
        open_bill_ranges.bill_id,
        greatest(balance_credit_ranges.credited_at, cast(open_bill_ranges.issue_date as timestamp)) as settled_at,
        least(balance_credit_ranges.range_end, open_bill_ranges.range_end)
            - greatest(
                balance_credit_ranges.range_end - balance_credit_ranges.credit_amount,
                open_bill_ranges.range_end - open_bill_ranges.amount_open
            ) as allocated_amount
    from balance_credit_ranges
    inner join open_bill_ranges
        on balance_credit_ranges.customer_id = open_bill_ranges.customer_id
       and balance_credit_ranges.range_end - balance_credit_ranges.credit_amount < open_bill_ranges.range_end
       and open_bill_ranges.range_end - open_bill_ranges.amount_open < balance_credit_ranges.range_end
),

final as (
    select
        payment_id,
        customer_id,
        bill_id,
        paid_at as settled_at,
        cast(allocated_amount as decimal(18, 2)) as allocated_amount,
        'bill_reference' as allocation_method
    from bill_referenced_shares
    where allocated_amount > 0
    union all
    select
        payment_id,
        customer_id,
        bill_id,
        settled_at,
        cast(allocated_amount as decimal(18, 2)) as allocated_amount,
        'balance_fifo' as allocation_method
    from balance_allocations
    where allocated_amount > 0
)

select
    payment_id,
    customer_id,
    bill_id,
    settled_at,
    allocated_amount,
    allocation_method
from final
