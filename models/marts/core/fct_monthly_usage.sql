{#- Metered energy per customer and month (every month the account was active), with the
    time-of-use shares and the monthly power factor. -#}
with customer_months as (
    select
        customer_id,
        usage_month,
        active_days,
        reading_days,
        kwh_sharp,
        kwh_peak,
        kwh_flat,
        kwh_valley,
        kwh_total,
        kvarh,
        max_demand_kw
    from {{ ref('int_consumption__customer_months') }}
),

customers as (
    select customer_id, customer_type, region_code, urban_rural
    from {{ ref('stg_cis__customers') }}
),

final as (
    select
        customer_months.customer_id,
        customer_months.usage_month,
        customers.customer_type,
        customers.region_code,
        customers.urban_rural,
        customer_months.active_days,
        customer_months.reading_days,
        customer_months.kwh_sharp,
        customer_months.kwh_peak,
        customer_months.kwh_flat,
        customer_months.kwh_valley,
        customer_months.kwh_total,
        customer_months.kvarh,
        customer_months.max_demand_kw,
        {{ monthly_power_factor('customer_months.kwh_total', 'customer_months.kvarh') }} as power_factor,
        cast(customer_months.kwh_sharp + customer_months.kwh_peak as double)
            / nullif(cast(customer_months.kwh_total as double), 0) as on_peak_share
    from customer_months
    inner join customers
        on customer_months.customer_id = customers.customer_id
)

select
    customer_id, usage_month, customer_type, region_code, urban_rural, active_days, reading_days,
    kwh_sharp, kwh_peak, kwh_flat, kwh_valley, kwh_total, kvarh, max_demand_kw,
    power_factor, on_peak_share
from final
