{#- The late fee (电费违约金) each bill owes by the supply business rules (docs/billing_rules.md
    section 6), from its bill payments, against the late_fee payments charged on it. One row per
    bill. Each part of a bill paid after the due date accrues, from the day after the due date
    to the day it was paid: residential 0.1% a day; other customers 0.2% a day in the calendar
    year the bill fell due and 0.3% a day from the following 1 January (arrears carried over).
    The sum is rounded to the cent once and is at least 1 yuan. Counted on the calendar, not day
    by day: the days before and after the year end are two differences of dates. -#}
{%- set tolerance = var('bill_audit_tolerance', 0.01) -%}
with bills as (
    select bill_id, customer_id, billing_month, due_date, total_amount
    from {{ ref('stg_cis__bills') }}
),

customers as (
    select customer_id, customer_type, payment_mode
    from {{ ref('stg_cis__customers') }}
),

payments as (
    select bill_id, cast(paid_at as date) as paid_date, amount, payment_type
    from {{ ref('stg_cis__payments') }}
    where bill_id is not null
),

paid_parts as (
    select
        bills.bill_id,
        payments.amount,
        payments.paid_date,
        greatest({{ dbt.datediff('bills.due_date', 'payments.paid_date', 'day') }}, 0) as days_overdue,
        -- overdue days up to 31 December of the due date's year, and after it
        greatest({{ dbt.datediff('bills.due_date',
            'least(payments.paid_date, ' ~ year_end('bills.due_date') ~ ')', 'day') }}, 0) as days_overdue_in_due_year,
        greatest({{ dbt.datediff('greatest(bills.due_date, ' ~ year_end('bills.due_date') ~ ')',
            'payments.paid_date', 'day') }}, 0) as days_overdue_in_later_years,
        customers.customer_type = 'residential' as is_residential
    from bills
    inner join payments
        on bills.bill_id = payments.bill_id
        and payments.payment_type = 'bill'
    left join customers
        on bills.customer_id = customers.customer_id
),

bill_accruals as (
    select
        bill_id,
        sum(amount) as amount_paid,
        sum(case when days_overdue > 0 then amount else 0 end) as late_paid_amount,
        max(paid_date) as last_paid_date,
        max(days_overdue) as days_overdue,
        sum(case
            when is_residential then amount * cast(0.001 as decimal(18, 6)) * days_overdue
            else amount * (cast(0.002 as decimal(18, 6)) * days_overdue_in_due_year
                           + cast(0.003 as decimal(18, 6)) * days_overdue_in_later_years)
        end) as late_fee_accrued
    from paid_parts
    group by bill_id
),

charged_fees as (
    select bill_id, sum(amount) as charged_late_fee
    from payments
    where payment_type = 'late_fee'
    group by bill_id
),

fees as (
    select
        bills.bill_id,
        bills.customer_id,
        bills.billing_month,
        bills.due_date,
        customers.customer_type,
        customers.payment_mode,
        cast(bills.total_amount as decimal(18, 2)) as total_amount,
        cast(coalesce(bill_accruals.amount_paid, 0) as decimal(18, 2)) as amount_paid,
        cast(coalesce(bill_accruals.late_paid_amount, 0) as decimal(18, 2)) as late_paid_amount,
        bill_accruals.last_paid_date,
        cast(coalesce(bill_accruals.days_overdue, 0) as integer) as days_overdue,
        coalesce(bill_accruals.amount_paid, 0) >= bills.total_amount as is_settled,
        case
            when coalesce(bill_accruals.late_fee_accrued, 0) > 0
                then greatest({{ round_money('bill_accruals.late_fee_accrued') }}, cast(1 as decimal(18, 2)))
            else cast(0 as decimal(18, 2))
        end as late_fee_due,
        cast(coalesce(charged_fees.charged_late_fee, 0) as decimal(18, 2)) as charged_late_fee
    from bills
    left join customers
        on bills.customer_id = customers.customer_id
    left join bill_accruals
        on bills.bill_id = bill_accruals.bill_id
    left join charged_fees
        on bills.bill_id = charged_fees.bill_id
),

final as (
    select
        fees.*,
        cast(charged_late_fee - late_fee_due as decimal(18, 2)) as late_fee_difference,
        case
            when late_fee_due = 0 and charged_late_fee = 0 then 'none_due'
            when abs(charged_late_fee - late_fee_due) <= {{ tolerance }} then 'charged'
            -- the fee is charged with the payment that settles the bill: not yet while part is open
            when charged_late_fee = 0 and not is_settled then 'unsettled'
            when charged_late_fee = 0 then 'not_charged'
            else 'charged_differently'
        end as late_fee_status
    from fees
)

select
    bill_id, customer_id, billing_month, due_date, customer_type, payment_mode, total_amount,
    amount_paid, late_paid_amount, last_paid_date, days_overdue, is_settled, late_fee_due,
    charged_late_fee, late_fee_difference, late_fee_status
from final
