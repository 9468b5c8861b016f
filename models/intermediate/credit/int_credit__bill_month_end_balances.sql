-- one row per bill per month end at which part of the bill is unpaid: the amount outstanding,
-- days past due and ageing bucket at that month end (the arrears snapshot that chapter 3 counts)
with settled_bills as (
    select
        bill_id,
        customer_id,
        billing_month,
        issue_date,
        due_date,
        greatest(total_amount, 0) as amount_due,
        paid_in_full_date
    from {{ ref('int_credit__bill_settlement') }}
    where total_amount > 0
),

bill_month_ends as (
    select
        settled_bills.bill_id,
        settled_bills.customer_id,
        settled_bills.billing_month,
        settled_bills.due_date,
        settled_bills.amount_due,
        month_ends.month_end
    from settled_bills
    inner join {{ ref('int_credit__month_ends') }} as month_ends
        on month_ends.month_end >= settled_bills.issue_date
       and (settled_bills.paid_in_full_date is null or month_ends.month_end < settled_bills.paid_in_full_date)
),

settled_by_month_end as (
    select
        bill_month_ends.bill_id,
        bill_month_ends.month_end,
        coalesce(sum(allocations.allocated_amount), 0) as amount_settled
    from bill_month_ends
    left join {{ ref('int_credit__payment_allocations') }} as allocations
        on bill_month_ends.bill_id = allocations.bill_id
       and cast(allocations.settled_at as date) <= bill_month_ends.month_end
    group by bill_month_ends.bill_id, bill_month_ends.month_end
),

balances as (
    select
        bill_month_ends.bill_id,
        bill_month_ends.customer_id,
        bill_month_ends.billing_month,
        bill_month_ends.due_date,
        bill_month_ends.month_end,
        bill_month_ends.amount_due - settled_by_month_end.amount_settled as amount_outstanding,
        greatest({{ dbt.datediff('bill_month_ends.due_date', 'bill_month_ends.month_end', 'day') }}, 0) as days_past_due
    from bill_month_ends
    inner join settled_by_month_end
        on bill_month_ends.bill_id = settled_by_month_end.bill_id
       and bill_month_ends.month_end = settled_by_month_end.month_end
),

final as (
    select
        bill_id,
        customer_id,
        billing_month,
        due_date,
        month_end,
        cast(amount_outstanding as decimal(18, 2)) as amount_outstanding,
        cast(days_past_due as integer) as days_past_due,
        {{ credit_ageing_bucket('days_past_due') }} as ageing_bucket
    from balances
    where amount_outstanding > 0
)

select
    bill_id,
    customer_id,
    billing_month,
    due_date,
    month_end,
    amount_outstanding,
    days_past_due,
    ageing_bucket
from final
