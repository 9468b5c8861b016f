{#- Tailored offers per active customer with the yuan a year each saves the customer or earns
    the utility (formulas in docs/ch6_value.md). The tariff-side savings (basic charge basis,
    power-factor correction, moving peak kWh to the valley) come priced by the tariff engine
    (int_billing__saving_potential, the same rows as mart_ch2_saving_potential); audit, PV and
    maintenance are priced here. -#}
with valued_customers as (
    select
        customer_id,
        customer_type,
        urban_rural,
        has_pv,
        contract_capacity_kva,
        kwh_12m,
        cast(energy_charge_12m_yuan as double) as energy_charge_12m,
        value_tier
    from {{ ref('mart_ch6_customer_value') }}
),

enrolments as (
    select
        customer_id,
        programme
    from {{ ref('stg_cis__programme_enrollments') }}
),

tariff_engine_savings as (
    select
        saving_potential.customer_id,
        case saving_potential.suggestion
            when 'peak_to_valley_shift' then 'tou_load_shift'
            else saving_potential.suggestion
        end as offer,
        cast(saving_potential.saving_yuan_per_year as double) as yuan_per_year,
        saving_potential.suggestion_detail_en as offer_detail
    from {{ ref('int_billing__saving_potential') }} as saving_potential
    inner join valued_customers
        on saving_potential.customer_id = valued_customers.customer_id
),

energy_audits as (
    select
        customer_id,
        'energy_audit' as offer,
        energy_charge_12m * {{ var('value_audit_saving_share') }} as yuan_per_year,
        'Energy audit: about ' || cast(cast({{ var('value_audit_saving_share') }} * 100 as integer) as {{ dbt.type_string() }})
            || '% of the energy charge' as offer_detail
    from valued_customers
    where customer_type <> 'residential'
        and customer_id not in (select customer_id from enrolments where programme = 'energy_audit')
),

pv_sizing as (
    select
        customer_id,
        contract_capacity_kva * {{ var('value_pv_kwp_per_kva') }} as pv_kwp,
        contract_capacity_kva * {{ var('value_pv_kwp_per_kva') }} * {{ var('value_pv_kwh_per_kwp_year') }} as yield_kwh,
        kwh_12m * {{ var('value_pv_max_share_of_use') }} as usable_kwh,
        energy_charge_12m / nullif(kwh_12m, 0) as energy_price_per_kwh
    from valued_customers
    where not coalesce(has_pv, false)
        -- the roof proxy: urban households live in flats without a roof of their own
        and not (customer_type = 'residential' and urban_rural = 'urban')
        and customer_id not in (select customer_id from enrolments where programme = 'pv_install')
),

pv_returns as (
    select
        customer_id,
        pv_kwp,
        least(yield_kwh, usable_kwh) as self_used_kwh,
        yield_kwh - least(yield_kwh, usable_kwh) as exported_kwh,
        least(yield_kwh, usable_kwh) * energy_price_per_kwh
            + (yield_kwh - least(yield_kwh, usable_kwh)) * {{ var('value_pv_export_yuan_per_kwh') }} as yuan_per_year,
        pv_kwp * {{ var('value_pv_install_yuan_per_kwp') }} as install_yuan
    from pv_sizing
    where energy_price_per_kwh is not null
),

pv_offers as (
    select
        customer_id,
        'rooftop_pv' as offer,
        yuan_per_year,
        'Rooftop PV of about ' || cast(round(pv_kwp, 1) as {{ dbt.type_string() }}) || ' kWp: '
            || cast(cast(round(self_used_kwh, 0) as bigint) as {{ dbt.type_string() }}) || ' kWh a year used on site, '
            || cast(cast(round(exported_kwh, 0) as bigint) as {{ dbt.type_string() }}) || ' kWh exported; pays back in '
            || cast(round(install_yuan / yuan_per_year, 1) as {{ dbt.type_string() }}) || ' years' as offer_detail
    from pv_returns
    -- offered only where it pays back within the years a customer would accept
    where yuan_per_year > 0
        and install_yuan / yuan_per_year <= {{ var('value_pv_max_payback_years') }}
),

maintenance_contracts as (
    select
        customer_id,
        'equipment_maintenance' as offer,
        contract_capacity_kva * {{ var('value_maintenance_yuan_per_kva_year') }} as yuan_per_year,
        'Maintenance contract for the customer-owned transformer ('
            || cast(contract_capacity_kva as {{ dbt.type_string() }}) || ' kVA)' as offer_detail
    from valued_customers
    where contract_capacity_kva >= {{ var('value_maintenance_min_kva') }}
),

customer_savings as (
    select customer_id, offer, yuan_per_year, offer_detail from tariff_engine_savings
    union all
    select customer_id, offer, yuan_per_year, offer_detail from energy_audits
    union all
    select customer_id, offer, yuan_per_year, offer_detail from pv_offers
),

all_offers as (
    select customer_id, offer, 'customer' as beneficiary, yuan_per_year, offer_detail
    from customer_savings
    union all
    select customer_id, offer, 'utility' as beneficiary, yuan_per_year, offer_detail
    from maintenance_contracts
),

final as (
    select
        all_offers.customer_id,
        all_offers.offer,
        all_offers.beneficiary,
        cast({{ round_double('all_offers.yuan_per_year', 2) }} as decimal(18, 2)) as yuan_per_year,
        cast(row_number() over (
            partition by all_offers.customer_id
            order by all_offers.yuan_per_year desc, all_offers.offer
        ) as integer) as offer_rank,
        valued_customers.value_tier,
        all_offers.offer_detail
    from all_offers
    inner join valued_customers
        on all_offers.customer_id = valued_customers.customer_id
    -- an offer worth nothing after rounding is not made
    where {{ round_double('all_offers.yuan_per_year', 2) }} > 0
)

select
    customer_id,
    offer,
    beneficiary,
    yuan_per_year,
    offer_rank,
    value_tier,
    offer_detail
from final
