{#- One row per bill per month end at which part of the bill is unpaid (the arrears snapshot).
    The logic lives in int_credit__bill_month_end_balances so that the customer month ends can
    build on it; this is the contracted face.
    Nothing happens between the model and the contract, so there is no CTE to name. -#}
select
    bill_id, customer_id, billing_month, due_date, month_end,
    amount_outstanding, days_past_due, ageing_bucket
from {{ ref('int_credit__bill_month_end_balances') }}
