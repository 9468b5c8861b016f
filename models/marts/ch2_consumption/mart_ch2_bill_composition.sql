{#- Issued bills per month and customer type: what the money is made of (basic charge,
    energy charge, power-factor adjustment, surcharges) and the burden it puts on customers
    (yuan per kWh, bill per customer, share of the energy charge spent in sharp and peak hours,
    the latter from the tariff engine because an issued bill does not split its energy charge). -#}
with bills as (
    select
        customer_id,
        billing_month,
        customer_type,
        kwh_total,
        basic_charge,
        energy_charge,
        pf_adjustment,
        surcharge,
        total_amount
    from {{ ref('fct_bills') }}
),

recomputed_bills as (
    select
        customer_type,
        billing_month,
        sum(energy_charge_sharp + energy_charge_peak) as on_peak_energy_charge,
        sum(energy_charge_sharp + energy_charge_peak + energy_charge_flat + energy_charge_valley)
            as period_energy_charge
    from {{ ref('int_billing__recomputed_bills') }}
    group by customer_type, billing_month
),

bills_by_type as (
    select
        billing_month,
        customer_type,
        count(*) as bills,
        count(distinct customer_id) as customers_billed,
        sum(kwh_total) as kwh_total,
        sum(basic_charge) as basic_charge,
        sum(energy_charge) as energy_charge,
        sum(pf_adjustment) as pf_adjustment,
        sum(surcharge) as surcharge,
        sum(total_amount) as total_amount
    from bills
    group by billing_month, customer_type
),

final as (
    select
        bills_by_type.billing_month,
        bills_by_type.customer_type,
        cast(bills_by_type.bills as integer) as bills,
        cast(bills_by_type.customers_billed as integer) as customers_billed,
        cast(bills_by_type.kwh_total as decimal(18, 2)) as kwh_total,
        cast(bills_by_type.basic_charge as decimal(18, 2)) as basic_charge,
        cast(bills_by_type.energy_charge as decimal(18, 2)) as energy_charge,
        cast(bills_by_type.pf_adjustment as decimal(18, 2)) as pf_adjustment,
        cast(bills_by_type.surcharge as decimal(18, 2)) as surcharge,
        cast(bills_by_type.total_amount as decimal(18, 2)) as total_amount,
        {%- for component in ['basic_charge', 'energy_charge', 'pf_adjustment', 'surcharge'] %}
        cast(bills_by_type.{{ component }} as double) / nullif(cast(bills_by_type.total_amount as double), 0)
            as {{ component }}_share,
        {%- endfor %}
        cast(bills_by_type.total_amount as double) / nullif(cast(bills_by_type.kwh_total as double), 0)
            as yuan_per_kwh,
        cast(bills_by_type.total_amount as double) / nullif(bills_by_type.customers_billed, 0)
            as bill_per_customer,
        cast(recomputed_bills.on_peak_energy_charge as double)
            / nullif(cast(recomputed_bills.period_energy_charge as double), 0) as on_peak_energy_cost_share
    from bills_by_type
    left join recomputed_bills
        on bills_by_type.customer_type = recomputed_bills.customer_type
        and bills_by_type.billing_month = recomputed_bills.billing_month
)

select
    billing_month, customer_type, bills, customers_billed, kwh_total,
    basic_charge, energy_charge, pf_adjustment, surcharge, total_amount,
    basic_charge_share, energy_charge_share, pf_adjustment_share, surcharge_share,
    yuan_per_kwh, bill_per_customer, on_peak_energy_cost_share
from final
