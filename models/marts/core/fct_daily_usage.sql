{#- Metered energy per customer and day, with the segment keys BI users slice by. -#}
with readings as (
    select
        customer_id,
        reading_date,
        kwh_sharp,
        kwh_peak,
        kwh_flat,
        kwh_valley,
        kvarh,
        max_demand_kw
    from {{ ref('stg_mdm__meter_readings') }}
),

customers as (
    select customer_id, customer_type, region_code, urban_rural
    from {{ ref('stg_cis__customers') }}
),

final as (
    select
        readings.customer_id,
        readings.reading_date,
        cast({{ dbt.date_trunc('month', 'readings.reading_date') }} as date) as usage_month,
        customers.customer_type,
        customers.region_code,
        customers.urban_rural,
        readings.kwh_sharp,
        readings.kwh_peak,
        readings.kwh_flat,
        readings.kwh_valley,
        readings.kwh_sharp + readings.kwh_peak + readings.kwh_flat + readings.kwh_valley as kwh_total,
        readings.kvarh,
        readings.max_demand_kw
    from readings
    inner join customers
        on readings.customer_id = customers.customer_id
)

select
    customer_id, reading_date, usage_month, customer_type, region_code, urban_rural,
    kwh_sharp, kwh_peak, kwh_flat, kwh_valley, kwh_total, kvarh, max_demand_kw
from final
