{#- One row per bill: how and when it was paid, how late, what is still open. The logic lives in
    int_credit__bill_settlement so that intermediate models can build on it; this is the
    contracted face the chapters share (definitions in docs/ch3_credit.md).
    Nothing happens between the model and the contract, so there is no CTE to name. -#}
select
    bill_id, customer_id, billing_month, issue_date, due_date,
    total_amount, amount_paid, amount_paid_by_due_date, amount_outstanding, payment_count,
    first_payment_date, paid_in_full_date, is_paid_in_full, is_paid_on_time,
    days_paid_after_due, days_late, days_overdue_at_observation_end,
    settlement_source, arrears_check_date, entered_arrears
from {{ ref('int_credit__bill_settlement') }}
