-- payment channel mix per month and customer type, with the online share of payments so the
-- trend away from counters can be read straight off
with payments as (
    select
        paid_month,
        customer_type,
        channel_group,
        channel,
        amount
    from {{ ref('fct_payments') }}
),

channel_months as (
    select
        paid_month,
        customer_type,
        channel_group,
        channel,
        count(*) as payments,
        sum(amount) as amount_paid
    from payments
    group by paid_month, customer_type, channel_group, channel
),

final as (
    select
        cast(paid_month as date) as paid_month,
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(channel_group as {{ dbt.type_string() }}) as channel_group,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(payments as bigint) as payments,
        cast(amount_paid as decimal(18, 2)) as amount_paid,
        cast({{ share_within('payments', 'paid_month, customer_type') }} as double)
            as share_of_payments,
        cast({{ online_share_within('payments', 'paid_month, customer_type') }} as double) as online_share_of_payments
    from channel_months
)

select
    paid_month,
    customer_type,
    channel_group,
    channel,
    payments,
    amount_paid,
    share_of_payments,
    online_share_of_payments
from final
