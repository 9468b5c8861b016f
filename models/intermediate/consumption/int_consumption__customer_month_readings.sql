{#- The daily meter readings summed per customer and month: the one pass over the daily grain
    that the monthly models share. Incremental: a monthly run recomputes only the months whose
    readings changed (pipeline.base_mdm__meter_readings__changed_months, recorded by staging;
    docs/incremental.md); without that record every month is recomputed. -#}
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ incremental_delete_changed_months('usage_month', 'base_mdm__meter_readings') }}",
    **incremental_engine_config('usage_month')
) }}
{%- set changed_months = incremental_changed_months('base_mdm__meter_readings') %}

with readings as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'reading_date') }} as date) as usage_month,
        kwh_sharp,
        kwh_peak,
        kwh_flat,
        kwh_valley,
        kvarh,
        max_demand_kw
    from {{ ref('stg_mdm__meter_readings') }}
    where {{ incremental_in_months('reading_date', changed_months) }}
),

final as (
    select
        customer_id,
        usage_month,
        cast(count(*) as integer) as reading_days,
        {{ exact_kwh('sum(kwh_sharp)') }} as kwh_sharp,
        {{ exact_kwh('sum(kwh_peak)') }} as kwh_peak,
        {{ exact_kwh('sum(kwh_flat)') }} as kwh_flat,
        {{ exact_kwh('sum(kwh_valley)') }} as kwh_valley,
        {{ exact_kwh('sum(kvarh)') }} as kvarh,
        max(max_demand_kw) as max_demand_kw,
        {{ exact_kwh('min(kwh_sharp + kwh_peak + kwh_flat + kwh_valley)') }} as min_daily_kwh
    from readings
    group by customer_id, usage_month
)

select * from final
