{#- Every issued bill against the tariff engine's recomputed bill (and every bill the engine
    expects that was not issued). A component differs when the two disagree by more than the
    tolerance; the first differing component in billing order (energy, power factor, basic,
    energy charge, adjustment, surcharge, total) is the one to look at, because each later
    component is computed from the earlier ones. -#}
{%- set tolerance = var('bill_audit_tolerance', 0.01) -%}
{%- set compared_components = ['kwh_total', 'power_factor', 'basic_charge', 'energy_charge',
                               'pf_adjustment', 'surcharge', 'total_amount'] -%}
with issued_bills as (
    select
        bill_id,
        customer_id,
        billing_month,
        {%- for component in compared_components %}
        {{ exact_kwh(component) if component == 'kwh_total' else component }} as {{ component }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('stg_cis__bills') }}
),

recomputed_bills as (
    select
        customer_id,
        billing_month,
        {{ compared_components | join(',\n        ') }}
    from {{ ref('int_billing__recomputed_bills') }}
),

compared_bills as (
    select
        issued_bills.bill_id,
        coalesce(issued_bills.customer_id, recomputed_bills.customer_id) as customer_id,
        coalesce(issued_bills.billing_month, recomputed_bills.billing_month) as billing_month,
        case
            when recomputed_bills.customer_id is null then 'unexpected_bill'
            when issued_bills.bill_id is null then 'missing_bill'
        end as unmatched_status,
        {%- for component in compared_components %}
        issued_bills.{{ component }} as issued_{{ component }},
        recomputed_bills.{{ component }} as recomputed_{{ component }},
        -- a missing power factor on both sides (no energy) agrees; on one side only it differs
        case
            when issued_bills.{{ component }} is null and recomputed_bills.{{ component }} is null then false
            when issued_bills.{{ component }} is null or recomputed_bills.{{ component }} is null then true
            else abs(issued_bills.{{ component }} - recomputed_bills.{{ component }}) > {{ tolerance }}
        end as {{ component }}_differs{{ ',' if not loop.last }}
        {%- endfor %}
    from issued_bills
    full outer join recomputed_bills
        on issued_bills.customer_id = recomputed_bills.customer_id
        and issued_bills.billing_month = recomputed_bills.billing_month
),

final as (
    select
        bill_id,
        customer_id,
        billing_month,
        {%- for component in compared_components %}
        issued_{{ component }},
        recomputed_{{ component }},
        {%- endfor %}
        cast(issued_total_amount - recomputed_total_amount as decimal(18, 2)) as total_amount_difference,
        case
            {%- for component in compared_components %}
            when {{ component }}_differs then '{{ component }}'
            {%- endfor %}
        end as differing_component,
        {%- set flagged_names = [] %}
        {%- for component in compared_components %}
        {%- do flagged_names.append("case when " ~ component ~ "_differs then '" ~ component ~ " ' else '' end") %}
        {%- endfor %}
        {{ dbt.concat(flagged_names) }} as differing_components_raw,
        coalesce(unmatched_status,
            case when {% for component in compared_components %}{{ component }}_differs{{ ' or ' if not loop.last }}{% endfor %}
                then 'mismatch' else 'match' end) as audit_status
    from compared_bills
)

select
    bill_id, customer_id, billing_month, audit_status, differing_component,
    nullif(trim(differing_components_raw), '') as differing_components,
    {%- for component in compared_components %}
    issued_{{ component }}, recomputed_{{ component }},
    {%- endfor %}
    total_amount_difference
from final
