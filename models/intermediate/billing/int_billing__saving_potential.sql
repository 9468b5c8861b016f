{#- What each customer could save per year, one row per customer and applicable suggestion
    (only suggestions that save money). Priced on the tariff engine's bills of the last 12
    months of data (annualised when the customer has fewer months):
      pf_correction             compensate reactive power up to the standard: the penalties
                                paid (positive power-factor adjustments) disappear;
      peak_to_valley_shift      move the stated share of sharp and peak kWh to the valley:
                                that kWh saves its period price minus the valley price;
      basic_charge_basis_switch bill the basic charge on the other basis (capacity <-> demand)
                                when that would have cost less; the demand basis on a contract
                                demand of the highest recorded demand (never below its floor).
    Knock-on changes of the power-factor adjustment (a percentage of basic + energy charge)
    are left out, so each saving is stated on its own. -#}
{%- set shift_share = var('saving_peak_shift_share', 0.1) -%}
with recomputed_bills as (
    select
        customer_id,
        billing_month,
        basic_charge_basis,
        contract_capacity_kva,
        max_demand_kw,
        days_in_month,
        active_days,
        kwh_sharp,
        kwh_peak,
        kwh_total,
        power_factor,
        pf_standard,
        basic_charge,
        pf_adjustment,
        tariff_code,
        sharp_price_per_kwh
    from {{ ref('int_billing__recomputed_bills') }}
),

latest_month as (
    select max(billing_month) as last_billing_month
    from recomputed_bills
),

recent_bills as (
    select
        recomputed_bills.*,
        -- a customer moving to the demand basis would contract its highest recorded demand
        max(recomputed_bills.max_demand_kw) over (partition by recomputed_bills.customer_id) as contract_demand_kw_if_switched
    from recomputed_bills
    cross join latest_month
    where recomputed_bills.billing_month
        > cast({{ dbt.dateadd('month', -12, 'latest_month.last_billing_month') }} as date)
),

tariffs as (
    select
        tariff_code,
        {{ exact_rate('price_valley') }} as price_valley,
        {{ exact_rate('price_peak') }} - {{ exact_rate('price_valley') }} as peak_to_valley_saving_per_kwh,
        basic_charge_per_kva_month,
        basic_charge_per_kw_month
    from {{ ref('tariffs') }}
),

customer_year as (
    select
        recent_bills.customer_id,
        count(*) as months_priced,
        max(recent_bills.pf_standard) as pf_standard,
        max(recent_bills.basic_charge_basis) as basic_charge_basis,
        max(recent_bills.contract_capacity_kva) as contract_capacity_kva,
        min(recent_bills.power_factor) as lowest_power_factor,
        sum(case when recent_bills.pf_adjustment > 0 then recent_bills.pf_adjustment else 0 end)
            as pf_penalties_paid,
        sum(case when recent_bills.pf_adjustment > 0 then 1 else 0 end) as penalised_months,
        sum(recent_bills.kwh_sharp + recent_bills.kwh_peak) as on_peak_kwh,
        sum(recent_bills.kwh_total) as kwh_total,
        sum(({{ shift_share }}) * (recent_bills.kwh_sharp * (recent_bills.sharp_price_per_kwh - tariffs.price_valley)
                                   + recent_bills.kwh_peak * tariffs.peak_to_valley_saving_per_kwh))
            as peak_shift_saving,
        max(recent_bills.max_demand_kw) as highest_demand_kw,
        sum(recent_bills.basic_charge) as basic_charge_paid,
        sum({{ round_money(prorated_basic_charge(
            "case recent_bills.basic_charge_basis when 'capacity' then 'demand' when 'demand' then 'capacity' end",
            'recent_bills.contract_capacity_kva', 'recent_bills.contract_demand_kw_if_switched', 'recent_bills.max_demand_kw',
            'tariffs.basic_charge_per_kva_month', 'tariffs.basic_charge_per_kw_month',
            'recent_bills.active_days', 'recent_bills.days_in_month')) }}) as basic_charge_other_basis
    from recent_bills
    inner join tariffs
        on recent_bills.tariff_code = tariffs.tariff_code
    group by recent_bills.customer_id
),

suggestions as (
    select
        customer_id,
        'pf_correction' as suggestion,
        -- one type for every branch: a union takes the first branch's scale
        cast(pf_penalties_paid as decimal(18, 6)) as saving_in_months_priced,
        months_priced,
        '加装无功补偿，将月度功率因数由最低' || cast(lowest_power_factor as {{ dbt.type_string() }}) || '提高到考核标准'
            || cast(pf_standard as {{ dbt.type_string() }}) || '，免除力调电费' as suggestion_detail_zh,
        'Add reactive-power compensation to raise the monthly power factor from as low as '
            || cast(lowest_power_factor as {{ dbt.type_string() }}) || ' to the standard ' || cast(pf_standard as {{ dbt.type_string() }})
            || ', removing the penalties of ' || cast(penalised_months as {{ dbt.type_string() }}) || ' month(s)' as suggestion_detail_en
    from customer_year
    where pf_penalties_paid > 0
    union all
    select
        customer_id,
        'peak_to_valley_shift' as suggestion,
        cast(peak_shift_saving as decimal(18, 6)) as saving_in_months_priced,
        months_priced,
        '将尖峰和高峰时段用电量的' || cast(cast({{ shift_share }} * 100 as integer) as {{ dbt.type_string() }})
            || '%（约' || cast(cast({{ round_double('cast(' ~ shift_share ~ ' * on_peak_kwh * 12 as double) / months_priced', 0) }} as bigint) as {{ dbt.type_string() }})
            || '千瓦时/年）转移到低谷时段' as suggestion_detail_zh,
        'Shift ' || cast(cast({{ shift_share }} * 100 as integer) as {{ dbt.type_string() }}) || '% of sharp and peak kWh (about '
            || cast(cast({{ round_double('cast(' ~ shift_share ~ ' * on_peak_kwh * 12 as double) / months_priced', 0) }} as bigint) as {{ dbt.type_string() }})
            || ' kWh a year) to valley hours' as suggestion_detail_en
    from customer_year
    where peak_shift_saving > 0
    union all
    select
        customer_id,
        'basic_charge_basis_switch' as suggestion,
        cast(basic_charge_paid - basic_charge_other_basis as decimal(18, 6)) as saving_in_months_priced,
        months_priced,
        case basic_charge_basis when 'capacity' then '基本电费由按容量计收改为按需量计收'
            else '基本电费由按需量计收改为按容量计收' end as suggestion_detail_zh,
        case basic_charge_basis
            when 'capacity' then 'Switch the basic charge from contract capacity (' || cast(contract_capacity_kva as {{ dbt.type_string() }})
                || ' kVA) to maximum demand (highest month ' || cast({{ round_double('highest_demand_kw', 1) }} as {{ dbt.type_string() }}) || ' kW)'
            else 'Switch the basic charge from maximum demand (highest month ' || cast({{ round_double('highest_demand_kw', 1) }} as {{ dbt.type_string() }})
                || ' kW) to contract capacity (' || cast(contract_capacity_kva as {{ dbt.type_string() }}) || ' kVA)'
        end as suggestion_detail_en
    from customer_year
    where basic_charge_basis in ('capacity', 'demand')
        and basic_charge_paid - basic_charge_other_basis > 0
),

customers as (
    select customer_id, customer_type, region_code
    from {{ ref('stg_cis__customers') }}
),

final as (
    select
        suggestions.customer_id,
        suggestions.suggestion,
        cast({{ round_double('cast(suggestions.saving_in_months_priced as double) * 12 / suggestions.months_priced', 2) }}
            as decimal(18, 2)) as saving_yuan_per_year,
        customers.customer_type,
        customers.region_code,
        cast(suggestions.months_priced as integer) as months_priced,
        suggestions.suggestion_detail_zh,
        suggestions.suggestion_detail_en
    from suggestions
    inner join customers
        on suggestions.customer_id = customers.customer_id
    -- a saving that rounds to nothing is no suggestion
    where {{ round_double('cast(suggestions.saving_in_months_priced as double) * 12 / suggestions.months_priced', 2) }} > 0
)

select
    customer_id, suggestion, saving_yuan_per_year, customer_type, region_code, months_priced,
    suggestion_detail_zh, suggestion_detail_en
from final
