-- which channels customers use to reach the utility, per month and customer type, with the
-- online share of tickets for the trend
with tickets as (
    select
        created_month,
        customer_type,
        channel_group,
        channel,
        customer_id
    from {{ ref('fct_service_tickets') }}
),

channel_months as (
    select
        created_month,
        customer_type,
        channel_group,
        channel,
        count(*) as tickets,
        count(distinct customer_id) as customers
    from tickets
    group by created_month, customer_type, channel_group, channel
),

final as (
    select
        cast(created_month as date) as created_month,
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(channel_group as {{ dbt.type_string() }}) as channel_group,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(tickets as bigint) as tickets,
        cast(customers as bigint) as customers,
        cast({{ share_within('tickets', 'created_month, customer_type') }} as double)
            as share_of_tickets,
        cast({{ online_share_within('tickets', 'created_month, customer_type') }} as double) as online_share_of_tickets
    from channel_months
)

select
    created_month,
    customer_type,
    channel_group,
    channel,
    tickets,
    customers,
    share_of_tickets,
    online_share_of_tickets
from final
