{#- Bills as the billing system issued them, one row per bill, with the segment keys BI
    users slice by. The recomputed bill and the comparison are in fct_bill_audit. -#}
with bills as (
    select
        bill_id,
        customer_id,
        billing_month,
        issue_date,
        due_date,
        kwh_total,
        power_factor,
        basic_charge,
        energy_charge,
        pf_adjustment,
        surcharge,
        total_amount
    from {{ ref('stg_cis__bills') }}
),

customers as (
    select customer_id, customer_type, sector, region_code, urban_rural, tariff_code, payment_mode
    from {{ ref('stg_cis__customers') }}
),

final as (
    select
        bills.bill_id,
        bills.customer_id,
        bills.billing_month,
        bills.issue_date,
        bills.due_date,
        customers.customer_type,
        customers.sector,
        customers.region_code,
        customers.urban_rural,
        customers.tariff_code,
        customers.payment_mode,
        bills.kwh_total,
        bills.power_factor,
        bills.basic_charge,
        bills.energy_charge,
        bills.pf_adjustment,
        bills.surcharge,
        bills.total_amount
    from bills
    left join customers
        on bills.customer_id = customers.customer_id
)

select
    bill_id, customer_id, billing_month, issue_date, due_date,
    customer_type, sector, region_code, urban_rural, tariff_code, payment_mode,
    kwh_total, power_factor, basic_charge, energy_charge, pf_adjustment, surcharge, total_amount
from final
