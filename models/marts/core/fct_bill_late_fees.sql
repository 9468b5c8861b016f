{#- The late fee (违约金) each bill owes by the supply business rules and whether it was charged
    (late_fee payments on the bill), from int_billing__late_fees; docs/billing_rules.md section 6. -#}
with final as (
    select
        bill_id, customer_id, billing_month, due_date, customer_type, payment_mode, total_amount,
        amount_paid, late_paid_amount, last_paid_date, days_overdue, is_settled, late_fee_due,
        charged_late_fee, late_fee_difference, late_fee_status
    from {{ ref('int_billing__late_fees') }}
)

select
    bill_id, customer_id, billing_month, due_date, customer_type, payment_mode, total_amount,
    amount_paid, late_paid_amount, last_paid_date, days_overdue, is_settled, late_fee_due,
    charged_late_fee, late_fee_difference, late_fee_status
from final
