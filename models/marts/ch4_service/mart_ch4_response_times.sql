-- response and resolution time percentiles per ticket type, channel group and urban/rural
with tickets as (
    select
        ticket_type,
        channel_group,
        urban_rural,
        response_minutes,
        resolution_hours
    from {{ ref('fct_service_tickets') }}
),

time_percentiles as (
    select
        ticket_type,
        channel_group,
        urban_rural,
        count(*) as tickets,
        count(response_minutes) as tickets_responded,
        {{ percentile_cont('response_minutes', 0.5) }} as response_minutes_p50,
        {{ percentile_cont('response_minutes', 0.9) }} as response_minutes_p90,
        count(resolution_hours) as tickets_resolved,
        {{ percentile_cont('resolution_hours', 0.5) }} as resolution_hours_p50,
        {{ percentile_cont('resolution_hours', 0.9) }} as resolution_hours_p90
    from tickets
    group by ticket_type, channel_group, urban_rural
),

final as (
    select
        cast(ticket_type as {{ dbt.type_string() }}) as ticket_type,
        cast(channel_group as {{ dbt.type_string() }}) as channel_group,
        cast(urban_rural as {{ dbt.type_string() }}) as urban_rural,
        cast(tickets as bigint) as tickets,
        cast(tickets_responded as bigint) as tickets_responded,
        cast(response_minutes_p50 as double) as response_minutes_p50,
        cast(response_minutes_p90 as double) as response_minutes_p90,
        cast(tickets_resolved as bigint) as tickets_resolved,
        cast(resolution_hours_p50 as double) as resolution_hours_p50,
        cast(resolution_hours_p90 as double) as resolution_hours_p90
    from time_percentiles
)

select
    ticket_type,
    channel_group,
    urban_rural,
    tickets,
    tickets_responded,
    response_minutes_p50,
    response_minutes_p90,
    tickets_resolved,
    resolution_hours_p50,
    resolution_hours_p90
from final
