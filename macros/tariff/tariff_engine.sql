{#- Building blocks of the tariff engine (docs/billing_rules.md). Kept as macros so the
    recomputed bills, the saving-potential what-ifs and the unit tests share one statement
    of each rule. -#}

{#- round_half_up to 2 decimals on an exact decimal value: DuckDB rounds decimals half away
    from zero, which is half-up for the positive charges and matches Python's ROUND_HALF_UP
    for the negative (reward) adjustments; the cast to 6 decimals first removes binary-float
    noise from quotients such as the proration by active days. -#}
{% macro round_money(expression) -%}
    cast(round(cast({{ expression }} as decimal(18, 6)), 2) as decimal(18, 2))
{%- endmacro %}

{#- energy readings are given to 2 decimals, so their sums are exact once cast back to
    2 decimals; summing doubles would leave float noise in the charges -#}
{% macro exact_kwh(expression) -%}
    cast({{ expression }} as decimal(18, 2))
{%- endmacro %}

{#- a seeded rate as an exact decimal whatever type the seed loader inferred -#}
{% macro exact_rate(expression) -%}
    cast({{ expression }} as decimal(18, 6))
{%- endmacro %}

{#- monthly power factor, rounded half-up to 2 decimals; no power factor without energy -#}
{% macro monthly_power_factor(kwh_total, kvarh_total) -%}
    case
        when {{ kwh_total }} > 0 then cast(round(cast(
            {{ kwh_total }} / sqrt({{ kwh_total }} * {{ kwh_total }} + {{ kvarh_total }} * {{ kvarh_total }})
            as decimal(18, 6)), 2) as decimal(4, 2))
    end
{%- endmacro %}

{#- the customer's power-factor standard under the 1983 rule; null means no adjustment -#}
{% macro power_factor_standard(customer_type, voltage_kv, contract_capacity_kva) -%}
    case
        when {{ customer_type }} in ('large_industrial', 'general_commercial', 'ev_charging')
            and {{ voltage_kv }} >= 10 and {{ contract_capacity_kva }} >= 160
            then cast(0.90 as decimal(4, 2))
        when {{ customer_type }} = 'agricultural' and {{ contract_capacity_kva }} >= 100
            then cast(0.80 as decimal(4, 2))
        when {{ customer_type }} <> 'residential' and {{ contract_capacity_kva }} >= 100
            then cast(0.85 as decimal(4, 2))
    end
{%- endmacro %}

{#- the contract maximum demand billed on the demand basis: the contract value, never below 40%
    of the contract capacity (kVA read as kW); the floor itself when there is no contract value -#}
{% macro billed_contract_demand(contract_demand_kw, contract_capacity_kva) -%}
    greatest(coalesce(cast({{ contract_demand_kw }} as decimal(18, 4)), 0),
             cast({{ contract_capacity_kva }} as decimal(18, 4)) * 0.4)
{%- endmacro %}

{#- a full month's demand-basis charge: the price times the billed contract demand, and the
    month's recorded maximum above 105% of it at twice the price -#}
{% macro demand_basic_charge_month(contract_demand_kw, contract_capacity_kva, max_demand_kw, rate_per_kw_month) -%}
    {{ exact_rate(rate_per_kw_month) }} * ({{ billed_contract_demand(contract_demand_kw, contract_capacity_kva) }}
        + 2 * greatest(cast(coalesce({{ max_demand_kw }}, 0) as decimal(18, 4))
            - 1.05 * {{ billed_contract_demand(contract_demand_kw, contract_capacity_kva) }}, 0))
{%- endmacro %}

{#- basic charge before rounding: the monthly charge in a full month; in a part month (the
    account opens or closes in it) 1/30 of it per day of use (the opening and closing days
    count whole), per the supply business rules -#}
{% macro prorated_basic_charge(basis, contract_capacity_kva, contract_demand_kw, max_demand_kw, rate_per_kva_month,
                               rate_per_kw_month, active_days, days_in_month) -%}
    case {{ basis }}
        when 'capacity' then cast({{ contract_capacity_kva }} as decimal(18, 4)) * {{ exact_rate(rate_per_kva_month) }}
        when 'demand' then {{ demand_basic_charge_month(contract_demand_kw, contract_capacity_kva, max_demand_kw,
                                                        rate_per_kw_month) }}
        else 0
    end
    * case when {{ active_days }} = {{ days_in_month }} then 1 else {{ active_days }} / 30 end
{%- endmacro %}

{#- kWh of a month that fall in the annual block between lower and upper (upper none: no end),
    given the calendar year's kWh before the month; 0 when the tariff has no blocks (lower null).
    The case is explicit because greatest/least skip nulls. -#}
{% macro annual_block_kwh(year_to_date_before, kwh, lower, upper=none) -%}
    case when {{ lower }} is null then 0 else greatest(
        {%- if upper is none %} {{ year_to_date_before }} + {{ kwh }}
        {%- else %} least({{ year_to_date_before }} + {{ kwh }}, {{ upper }}){% endif %}
        - greatest({{ year_to_date_before }}, {{ lower }}), 0) end
{%- endmacro %}

{#- 31 December of a date's year (late fees change rate for arrears carried into a new year) -#}
{% macro year_end(date_expression) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', date_expression))) }} as date)
{%- endmacro %}
