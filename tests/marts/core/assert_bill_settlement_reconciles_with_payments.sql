-- money is not invented: per customer, what was applied to bills never exceeds the bill and
-- top-up payments made (the rest is unapplied balance), and each bill's paid + outstanding
-- equals its amount due, with "paid in full" exactly when nothing is outstanding
with bill_totals as (
    select
        customer_id,
        sum(amount_paid) as applied_to_bills
    from {{ ref('fct_bill_settlement') }}
    group by customer_id
),

payment_totals as (
    select
        customer_id,
        sum(amount) as principal_paid
    from {{ ref('fct_payments') }}
    where payment_type in ('bill', 'prepaid_topup') and amount > 0
    group by customer_id
),

customer_mismatches as (
    select
        coalesce(payment_totals.customer_id, bill_totals.customer_id) as record_key,
        'applied exceeds paid' as problem
    from payment_totals
    full outer join bill_totals on payment_totals.customer_id = bill_totals.customer_id
    where coalesce(bill_totals.applied_to_bills, 0) > coalesce(payment_totals.principal_paid, 0)
),

bill_mismatches as (
    select
        bill_id as record_key,
        'paid + outstanding differs from amount due' as problem
    from {{ ref('fct_bill_settlement') }}
    where amount_paid + amount_outstanding <> greatest(total_amount, 0)
       or amount_outstanding < 0
       or (is_paid_in_full and amount_outstanding <> 0)
       or (not is_paid_in_full and amount_outstanding = 0)
)

select record_key, problem from customer_mismatches
union all
select record_key, problem from bill_mismatches
