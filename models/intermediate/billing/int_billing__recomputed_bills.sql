{#- The tariff engine: every bill recomputed from the readings, the customer's tariff and the
    seeded power-factor table, by docs/billing_rules.md. One row per customer x billing month. -#}
{%- set in_sharp_season -%}
    (sharp_hours.sharp_season_months is null
        or {{ dbt.position("',' || cast(extract(month from customer_months.usage_month) as " ~ dbt.type_string() ~ ") || ','",
                           "',' || sharp_hours.sharp_season_months || ','") }} > 0)
{%- endset %}
with customer_months as (
    select
        customer_id,
        usage_month,
        days_in_month,
        active_days,
        kwh_sharp,
        kwh_peak,
        kwh_flat,
        kwh_valley,
        kwh_total,
        kvarh,
        max_demand_kw,
        -- residential annual blocks run on the calendar year's kWh before this month
        coalesce(sum(kwh_total) over (
            partition by customer_id, {{ dbt.date_trunc('year', 'usage_month') }}
            order by usage_month
            rows between unbounded preceding and 1 preceding), 0) as kwh_year_to_date_before
    from {{ ref('int_consumption__customer_months') }}
),

customers as (
    select
        customer_id,
        customer_type,
        voltage_kv,
        contract_capacity_kva,
        tariff_code,
        basic_charge_basis,
        contract_demand_kw
    from {{ ref('stg_cis__customers') }}
),

tariffs as (
    select
        tariff_code,
        {{ exact_rate('price_sharp') }} as price_sharp,
        {{ exact_rate('price_peak') }} as price_peak,
        {{ exact_rate('price_flat') }} as price_flat,
        {{ exact_rate('price_valley') }} as price_valley,
        basic_charge_per_kva_month,
        basic_charge_per_kw_month,
        {{ exact_rate('surcharge_per_kwh') }} as surcharge_per_kwh,
        -- a zero limit means the tariff has no blocks
        {{ exact_kwh('nullif(block1_limit_kwh_year, 0)') }} as block1_limit_kwh_year,
        {{ exact_kwh('nullif(block2_limit_kwh_year, 0)') }} as block2_limit_kwh_year,
        {{ exact_rate('block2_surcharge_per_kwh') }} as block2_surcharge_per_kwh,
        {{ exact_rate('block3_surcharge_per_kwh') }} as block3_surcharge_per_kwh
    from {{ ref('tariffs') }}
),

-- seasonal sharp hours: the months the sharp hours are sharp in, and their period in the others
sharp_hours as (
    select
        max(season_months) as sharp_season_months,
        max(off_season_period) as sharp_off_season_period
    from {{ ref('tou_periods') }}
    where tou_period = 'sharp'
),

power_factor_table as (
    select
        cast(pf_standard as decimal(4, 2)) as pf_standard,
        cast(power_factor as decimal(4, 2)) as power_factor,
        cast(adjustment_pct as decimal(6, 2)) as adjustment_pct
    from {{ ref('power_factor_adjustment') }}
),

blocked_months as (
    select
        customer_months.*,
        {{ annual_block_kwh('customer_months.kwh_year_to_date_before', 'customer_months.kwh_total',
                            'tariffs.block1_limit_kwh_year', 'tariffs.block2_limit_kwh_year') }} as kwh_block2,
        {{ annual_block_kwh('customer_months.kwh_year_to_date_before', 'customer_months.kwh_total',
                            'tariffs.block2_limit_kwh_year') }} as kwh_block3,
        -- sharp kWh of a month outside the sharp season are priced as the period those hours are in then
        case when {{ in_sharp_season }} then 'sharp' else sharp_hours.sharp_off_season_period end as sharp_priced_as,
        case
            when {{ in_sharp_season }} then tariffs.price_sharp
            when sharp_hours.sharp_off_season_period = 'peak' then tariffs.price_peak
            when sharp_hours.sharp_off_season_period = 'flat' then tariffs.price_flat
            else tariffs.price_valley
        end as price_sharp
    from customer_months
    inner join customers
        on customer_months.customer_id = customers.customer_id
    inner join tariffs
        on customers.tariff_code = tariffs.tariff_code
    cross join sharp_hours
),

charged_months as (
    select
        customer_months.customer_id,
        customer_months.usage_month as billing_month,
        customers.customer_type,
        customers.tariff_code,
        customers.basic_charge_basis,
        customers.contract_capacity_kva,
        customers.contract_demand_kw,
        case when customers.basic_charge_basis = 'demand'
            then {{ billed_contract_demand('customers.contract_demand_kw', 'customers.contract_capacity_kva') }}
        end as billed_contract_demand_kw,
        customer_months.days_in_month,
        customer_months.active_days,
        customer_months.kwh_sharp,
        customer_months.kwh_peak,
        customer_months.kwh_flat,
        customer_months.kwh_valley,
        customer_months.kwh_total,
        customer_months.kvarh,
        customer_months.max_demand_kw,
        customer_months.kwh_year_to_date_before,
        customer_months.kwh_block2,
        customer_months.kwh_block3,
        customer_months.sharp_priced_as,
        customer_months.price_sharp as sharp_price_per_kwh,
        {{ round_money('customer_months.kwh_sharp * customer_months.price_sharp') }} as energy_charge_sharp,
        {{ round_money('customer_months.kwh_peak * tariffs.price_peak') }} as energy_charge_peak,
        {{ round_money('customer_months.kwh_flat * tariffs.price_flat') }} as energy_charge_flat,
        {{ round_money('customer_months.kwh_valley * tariffs.price_valley') }} as energy_charge_valley,
        {{ round_money('customer_months.kwh_block2 * tariffs.block2_surcharge_per_kwh'
                       ~ ' + customer_months.kwh_block3 * tariffs.block3_surcharge_per_kwh') }} as energy_charge_blocks,
        -- the bill rounds the exact sum once, so it can differ by a cent from the sum of the rounded periods
        {{ round_money(
            'customer_months.kwh_sharp * customer_months.price_sharp + customer_months.kwh_peak * tariffs.price_peak'
            ~ ' + customer_months.kwh_flat * tariffs.price_flat + customer_months.kwh_valley * tariffs.price_valley'
            ~ ' + customer_months.kwh_block2 * tariffs.block2_surcharge_per_kwh'
            ~ ' + customer_months.kwh_block3 * tariffs.block3_surcharge_per_kwh') }}
            as energy_charge,
        {{ round_money(prorated_basic_charge(
            'customers.basic_charge_basis', 'customers.contract_capacity_kva', 'customers.contract_demand_kw',
            'customer_months.max_demand_kw',
            'tariffs.basic_charge_per_kva_month', 'tariffs.basic_charge_per_kw_month',
            'customer_months.active_days', 'customer_months.days_in_month')) }} as basic_charge,
        {{ round_money('customer_months.kwh_total * tariffs.surcharge_per_kwh') }} as surcharge,
        {{ power_factor_standard('customers.customer_type', 'customers.voltage_kv', 'customers.contract_capacity_kva') }}
            as pf_standard,
        {{ monthly_power_factor('customer_months.kwh_total', 'customer_months.kvarh') }} as power_factor
    from blocked_months as customer_months
    inner join customers
        on customer_months.customer_id = customers.customer_id
    inner join tariffs
        on customers.tariff_code = tariffs.tariff_code
),

adjusted_months as (
    select
        charged_months.*,
        coalesce(power_factor_table.adjustment_pct, 0) as pf_adjustment_pct,
        {{ round_money('(charged_months.basic_charge + charged_months.energy_charge)'
                       ~ ' * coalesce(power_factor_table.adjustment_pct, 0) / 100') }} as pf_adjustment
    from charged_months
    left join power_factor_table
        on charged_months.pf_standard = power_factor_table.pf_standard
        and charged_months.power_factor = power_factor_table.power_factor
),

final as (
    select
        adjusted_months.*,
        cast(basic_charge + energy_charge + pf_adjustment + surcharge as decimal(18, 2)) as total_amount
    from adjusted_months
)

select * from final
