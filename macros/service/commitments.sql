{#- The 95598 service commitments (docs/ch4_service.md), one place for which ticket type each
    applies to, at which stage (response = first response, resolution = resolved), its targets
    (vars, urban and rural) and the unit the achieved time is measured in. -#}
{% macro service_commitment_definitions() -%}
    {{ return([
        {'commitment': 'fault_arrival', 'ticket_type': 'fault_repair', 'stage': 'response', 'unit': 'minutes',
         'target_urban': var('service_fault_arrival_minutes_urban'), 'target_rural': var('service_fault_arrival_minutes_rural')},
        {'commitment': 'fault_restore', 'ticket_type': 'fault_repair', 'stage': 'resolution', 'unit': 'hours',
         'target_urban': var('service_fault_restore_hours_urban'), 'target_rural': var('service_fault_restore_hours_rural')},
        {'commitment': 'complaint_contact', 'ticket_type': 'complaint', 'stage': 'response', 'unit': 'working_days',
         'target_urban': var('service_complaint_contact_working_days'), 'target_rural': var('service_complaint_contact_working_days')},
        {'commitment': 'complaint_reply', 'ticket_type': 'complaint', 'stage': 'resolution', 'unit': 'days',
         'target_urban': var('service_complaint_reply_days'), 'target_rural': var('service_complaint_reply_days')},
    ]) }}
{%- endmacro %}

{#- One row per commitment that applies to a ticket of `relation` (fct_service_tickets' columns):
    the given columns, then commitment_stage (response, resolution), commitment, target,
    target_unit, measure and is_met (the two stages unpivoted). -#}
{% macro service_commitment_rows(relation, columns) -%}
    {%- for stage in ['response', 'resolution'] %}
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        '{{ stage }}' as commitment_stage,
        {{ stage }}_commitment as commitment,
        {{ stage }}_target as target,
        {{ stage }}_target_unit as target_unit,
        {{ stage }}_measure as measure,
        {{ stage }}_commitment_met as is_met
    from {{ relation }}
    where {{ stage }}_commitment is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
