-- each 95598 service commitment by urban/rural: its target, the p50 and p90 of what was
-- achieved (in the commitment's unit) and the share of tickets that met it
with tickets as (
    select
        urban_rural,
        response_commitment,
        response_target,
        response_target_unit,
        response_measure,
        response_commitment_met,
        resolution_commitment,
        resolution_target,
        resolution_target_unit,
        resolution_measure,
        resolution_commitment_met
    from {{ ref('fct_service_tickets') }}
),

commitment_rows as (
    {{ service_commitment_rows('tickets', ['urban_rural']) }}
),

commitment_results as (
    select
        commitment,
        commitment_stage,
        urban_rural,
        target,
        target_unit,
        count(*) as tickets,
        count(measure) as tickets_measured,
        {{ percentile_cont('measure', 0.5) }} as measure_p50,
        {{ percentile_cont('measure', 0.9) }} as measure_p90,
        sum(case when is_met then 1 else 0 end) as tickets_met
    from commitment_rows
    group by commitment, commitment_stage, urban_rural, target, target_unit
),

final as (
    select
        cast(commitment as {{ dbt.type_string() }}) as commitment,
        cast(commitment_stage as {{ dbt.type_string() }}) as commitment_stage,
        cast(urban_rural as {{ dbt.type_string() }}) as urban_rural,
        cast(target as double) as target,
        cast(target_unit as {{ dbt.type_string() }}) as target_unit,
        cast(tickets as bigint) as tickets,
        cast(tickets_measured as bigint) as tickets_measured,
        cast(measure_p50 as double) as measure_p50,
        cast(measure_p90 as double) as measure_p90,
        cast(tickets_met as bigint) as tickets_met,
        cast(tickets_met / cast(tickets as double) as double) as share_met
    from commitment_results
)

select
    commitment,
    commitment_stage,
    urban_rural,
    target,
    target_unit,
    tickets,
    tickets_measured,
    measure_p50,
    measure_p90,
    tickets_met,
    share_met
from final
