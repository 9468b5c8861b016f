-- one row per 95598 work order: channel group, response and resolution times, the service
-- commitment that applies and whether it was met, and whether a complaint repeats an earlier one
-- (definitions and commitments in docs/ch4_service.md; targets are vars)
with tickets as (
    select
        ticket_id,
        customer_id,
        channel,
        ticket_type,
        category,
        created_at,
        first_response_at,
        resolved_at,
        satisfaction
    from {{ ref('stg_service__service_tickets') }}
),

customers as (
    select
        customer_id,
        customer_type,
        region_code,
        urban_rural
    from {{ ref('stg_cis__customers') }}
),

calendar as (
    select
        calendar_date,
        working_day_number
    from {{ ref('int_service__calendar') }}
),

ticket_durations as (
    select
        tickets.ticket_id,
        tickets.customer_id,
        customers.customer_type,
        customers.region_code,
        customers.urban_rural,
        tickets.channel,
        tickets.ticket_type,
        tickets.category,
        tickets.created_at,
        tickets.first_response_at,
        tickets.resolved_at,
        tickets.satisfaction,
        {{ dbt.datediff('tickets.created_at', 'tickets.first_response_at', 'second') }} / {{ double_literal('60.0') }} as response_minutes,
        {{ dbt.datediff('tickets.created_at', 'tickets.resolved_at', 'second') }} / {{ double_literal('3600.0') }} as resolution_hours,
        -- working days after the day of the call up to and including the day of the first response
        response_day.working_day_number - created_day.working_day_number as response_working_days
    from tickets
    left join customers on tickets.customer_id = customers.customer_id
    left join calendar as created_day on cast(tickets.created_at as date) = created_day.calendar_date
    left join calendar as response_day on cast(tickets.first_response_at as date) = response_day.calendar_date
),

complaint_history as (
    select
        ticket_id,
        {{ dbt.datediff(
            'lag(cast(created_at as date)) over (partition by customer_id, category order by created_at, ticket_id)',
            'cast(created_at as date)', 'day') }} as days_since_previous_complaint_same_category
    from tickets
    where ticket_type = 'complaint'
),

commitment_definitions as (
    {%- for definition in service_commitment_definitions() %}
    select
        '{{ definition.commitment }}' as commitment,
        '{{ definition.ticket_type }}' as ticket_type,
        '{{ definition.stage }}' as commitment_stage,
        '{{ definition.unit }}' as target_unit,
        cast({{ definition.target_urban }} as double) as target_urban,
        cast({{ definition.target_rural }} as double) as target_rural
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

commitments as (
    select
        {%- for column in ['ticket_id', 'customer_id', 'customer_type', 'region_code', 'urban_rural', 'channel',
                           'ticket_type', 'category', 'created_at', 'first_response_at', 'resolved_at',
                           'satisfaction', 'response_minutes', 'resolution_hours', 'response_working_days'] %}
        ticket_durations.{{ column }},
        {%- endfor %}
        {%- for stage in ['response', 'resolution'] %}
        {{ stage }}_definition.commitment as {{ stage }}_commitment,
        case when ticket_durations.urban_rural = 'rural' then {{ stage }}_definition.target_rural
             else {{ stage }}_definition.target_urban end as {{ stage }}_target,
        {{ stage }}_definition.target_unit as {{ stage }}_target_unit,
        case {{ stage }}_definition.target_unit
            when 'minutes' then ticket_durations.response_minutes
            when 'working_days' then ticket_durations.response_working_days
            when 'hours' then ticket_durations.resolution_hours
            when 'days' then ticket_durations.resolution_hours / 24.0
        end as {{ stage }}_measure{{ "," if not loop.last }}
        {%- endfor %}
    from ticket_durations
    {%- for stage in ['response', 'resolution'] %}
    left join commitment_definitions as {{ stage }}_definition
        on ticket_durations.ticket_type = {{ stage }}_definition.ticket_type
       and {{ stage }}_definition.commitment_stage = '{{ stage }}'
    {%- endfor %}
),

final as (
    select
        cast(commitments.ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(commitments.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(commitments.customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(commitments.region_code as {{ dbt.type_string() }}) as region_code,
        cast(commitments.urban_rural as {{ dbt.type_string() }}) as urban_rural,
        cast(commitments.channel as {{ dbt.type_string() }}) as channel,
        cast({{ channel_group('commitments.channel') }} as {{ dbt.type_string() }}) as channel_group,
        cast(commitments.ticket_type as {{ dbt.type_string() }}) as ticket_type,
        cast(commitments.category as {{ dbt.type_string() }}) as category,
        cast(commitments.created_at as timestamp) as created_at,
        cast({{ dbt.date_trunc('month', 'commitments.created_at') }} as date) as created_month,
        cast(commitments.first_response_at as timestamp) as first_response_at,
        cast(commitments.resolved_at as timestamp) as resolved_at,
        cast(commitments.response_minutes as double) as response_minutes,
        cast(commitments.response_working_days as integer) as response_working_days,
        cast(commitments.resolution_hours as double) as resolution_hours,
        {%- for stage in ['response', 'resolution'] %}
        cast(commitments.{{ stage }}_commitment as {{ dbt.type_string() }}) as {{ stage }}_commitment,
        cast(commitments.{{ stage }}_target as double) as {{ stage }}_target,
        cast(commitments.{{ stage }}_target_unit as {{ dbt.type_string() }}) as {{ stage }}_target_unit,
        cast(commitments.{{ stage }}_measure as double) as {{ stage }}_measure,
        -- no response (or no resolution) at all misses the commitment
        case when commitments.{{ stage }}_commitment is not null
            then coalesce(commitments.{{ stage }}_measure <= commitments.{{ stage }}_target, false) end
            as {{ stage }}_commitment_met,
        {%- endfor %}
        cast(commitments.satisfaction as integer) as satisfaction,
        cast(complaint_history.days_since_previous_complaint_same_category as integer)
            as days_since_previous_complaint_same_category,
        coalesce(
            complaint_history.days_since_previous_complaint_same_category <= {{ var('service_repeat_complaint_days') }},
            false
        ) as is_repeat_complaint
    from commitments
    left join complaint_history on commitments.ticket_id = complaint_history.ticket_id
)

select
    ticket_id,
    customer_id,
    customer_type,
    region_code,
    urban_rural,
    channel,
    channel_group,
    ticket_type,
    category,
    created_at,
    created_month,
    first_response_at,
    resolved_at,
    response_minutes,
    response_working_days,
    resolution_hours,
    response_commitment,
    response_target,
    response_target_unit,
    response_measure,
    response_commitment_met,
    resolution_commitment,
    resolution_target,
    resolution_target_unit,
    resolution_measure,
    resolution_commitment_met,
    satisfaction,
    days_since_previous_complaint_same_category,
    is_repeat_complaint
from final
