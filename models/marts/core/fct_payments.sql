-- one row per payment with its channel group and, for a payment naming a bill, its timing
-- against that bill's due date
with payments as (
    select
        payment_id,
        customer_id,
        bill_id,
        paid_at,
        amount,
        channel,
        payment_type
    from {{ ref('stg_cis__payments') }}
),

customers as (
    select
        customer_id,
        customer_type,
        region_code,
        urban_rural,
        payment_mode
    from {{ ref('stg_cis__customers') }}
),

bills as (
    select
        bill_id,
        customer_id,
        due_date
    from {{ ref('stg_cis__bills') }}
),

payment_timing as (
    select
        payments.payment_id,
        payments.customer_id,
        payments.bill_id,
        payments.paid_at,
        cast(payments.paid_at as date) as paid_date,
        payments.amount,
        payments.channel,
        payments.payment_type,
        customers.customer_type,
        customers.region_code,
        customers.urban_rural,
        customers.payment_mode,
        bills.due_date,
        case when bills.due_date is not null
            then {{ dbt.datediff('bills.due_date', 'cast(payments.paid_at as date)', 'day') }} end as days_after_due
    from payments
    left join customers on payments.customer_id = customers.customer_id
    left join bills
        on payments.bill_id = bills.bill_id
       and payments.customer_id = bills.customer_id
),

final as (
    select
        cast(payment_id as {{ dbt.type_string() }}) as payment_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(bill_id as {{ dbt.type_string() }}) as bill_id,
        cast(paid_at as timestamp) as paid_at,
        cast(paid_date as date) as paid_date,
        cast({{ dbt.date_trunc('month', 'paid_date') }} as date) as paid_month,
        cast(amount as decimal(18, 2)) as amount,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast({{ channel_group('channel') }} as {{ dbt.type_string() }}) as channel_group,
        cast(payment_type as {{ dbt.type_string() }}) as payment_type,
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(urban_rural as {{ dbt.type_string() }}) as urban_rural,
        cast(payment_mode as {{ dbt.type_string() }}) as payment_mode,
        cast(due_date as date) as due_date,
        cast(days_after_due as integer) as days_after_due,
        cast({{ credit_days_vs_due_band('days_after_due') }} as {{ dbt.type_string() }}) as timing_band,
        cast({{ iso_weekday('paid_at') }} as integer) as paid_weekday,
        cast(extract(hour from paid_at) as integer) as paid_hour
    from payment_timing
)

select
    payment_id,
    customer_id,
    bill_id,
    paid_at,
    paid_date,
    paid_month,
    amount,
    channel,
    channel_group,
    payment_type,
    customer_type,
    region_code,
    urban_rural,
    payment_mode,
    due_date,
    days_after_due,
    timing_band,
    paid_weekday,
    paid_hour
from final
