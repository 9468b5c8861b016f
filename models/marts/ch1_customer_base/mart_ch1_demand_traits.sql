{#- Demand traits per customer type over the data period:
    - load character: mean monthly load factor and peak-valley difference rate;
    - PV adoption: share of the type's active customers with PV;
    - service needs: 95598 tickets per 1,000 customer-years, in total and per ticket type;
    - price sensitivity: how much a wider peak-valley price spread goes with a lower on-peak
      share of kWh, as the least-squares slope of each customer's on-peak (sharp + peak) share
      on its tariff's peak-minus-valley price, in share points per 0.10 yuan/kWh of spread.
      Negative means customers on wider spreads keep more kWh out of peak hours. It is a
      cross-section (customers choose their tariff, e.g. residential TOU opt-in), so it shows
      association, not a controlled experiment; empty where the type has one spread only. -#}
{%- set ticket_types = ['consultation', 'fault_repair', 'complaint', 'opinion', 'praise', 'business'] -%}
with customers as (
    select customer_id, customer_type, has_pv, is_active, tariff_code
    from {{ ref('dim_customers') }}
),

customer_usage as (
    select
        customer_id,
        count(*) as customer_months,
        sum(kwh_sharp + kwh_peak) as kwh_on_peak,
        sum(kwh_total) as kwh_total
    from {{ ref('int_consumption__customer_months') }}
    group by customer_id
),

tariff_spreads as (
    select tariff_code, cast(price_peak as double) - cast(price_valley as double) as peak_valley_spread
    from {{ ref('tariffs') }}
),

load_character as (
    select
        customer_type,
        avg(case when not max_load_below_mean_load then load_factor end) as mean_load_factor,
        avg(case when not max_load_below_mean_load then peak_valley_difference_rate end)
            as mean_peak_valley_difference_rate,
        avg(case when load_source = 'interval_15min' then {{ double_literal('1.0') }} else 0.0 end) as interval_measured_share
    from {{ ref('int_consumption__customer_month_loads') }}
    group by customer_type
),

tickets as (
    select customer_id, ticket_type
    from {{ ref('stg_service__service_tickets') }}
),

customer_tickets as (
    select
        customer_id,
        count(*) as tickets,
        {%- for ticket_type in ticket_types %}
        sum(case when ticket_type = '{{ ticket_type }}' then 1 else 0 end) as tickets_{{ ticket_type }}{{ ',' if not loop.last }}
        {%- endfor %}
    from tickets
    group by customer_id
),

customer_traits as (
    select
        customers.customer_type,
        customers.customer_id,
        customers.is_active,
        customers.has_pv,
        customer_usage.customer_months,
        cast(customer_usage.kwh_on_peak as double) / nullif(cast(customer_usage.kwh_total as double), 0)
            as on_peak_share,
        tariff_spreads.peak_valley_spread,
        coalesce(customer_tickets.tickets, 0) as tickets,
        {%- for ticket_type in ticket_types %}
        coalesce(customer_tickets.tickets_{{ ticket_type }}, 0) as tickets_{{ ticket_type }}{{ ',' if not loop.last }}
        {%- endfor %}
    from customers
    inner join customer_usage
        on customers.customer_id = customer_usage.customer_id
    left join tariff_spreads
        on customers.tariff_code = tariff_spreads.tariff_code
    left join customer_tickets
        on customers.customer_id = customer_tickets.customer_id
),

type_traits as (
    select
        customer_type,
        sum(case when is_active then 1 else 0 end) as active_customers,
        sum(case when is_active and has_pv then 1 else 0 end) as active_customers_with_pv,
        sum(customer_months) / {{ double_literal('12.0') }} as customer_years,
        sum(tickets) as tickets,
        {%- for ticket_type in ticket_types %}
        sum(tickets_{{ ticket_type }}) as tickets_{{ ticket_type }},
        {%- endfor %}
        min(peak_valley_spread) as min_peak_valley_spread,
        max(peak_valley_spread) as max_peak_valley_spread,
        -- least squares over the customers that have both values (covar_pop skips incomplete pairs itself)
        covar_pop(on_peak_share, peak_valley_spread)
            / nullif(var_pop(case when on_peak_share is not null then peak_valley_spread end), 0) as on_peak_share_slope
    from customer_traits
    group by customer_type
),

final as (
    select
        type_traits.customer_type,
        cast(type_traits.active_customers as integer) as active_customers,
        load_character.mean_load_factor,
        load_character.mean_peak_valley_difference_rate,
        load_character.interval_measured_share,
        cast(type_traits.active_customers_with_pv as integer) as active_customers_with_pv,
        cast(type_traits.active_customers_with_pv as double) / nullif(type_traits.active_customers, 0)
            as pv_adoption_rate,
        type_traits.customer_years,
        type_traits.tickets * {{ double_literal('1000.0') }} / nullif(type_traits.customer_years, 0) as tickets_per_1000_customer_years,
        {%- for ticket_type in ticket_types %}
        type_traits.tickets_{{ ticket_type }} * {{ double_literal('1000.0') }} / nullif(type_traits.customer_years, 0)
            as {{ ticket_type }}_tickets_per_1000_customer_years,
        {%- endfor %}
        type_traits.min_peak_valley_spread,
        type_traits.max_peak_valley_spread,
        type_traits.on_peak_share_slope * 0.10 as on_peak_share_change_per_0_10_yuan_spread
    from type_traits
    left join load_character
        on type_traits.customer_type = load_character.customer_type
)

select
    customer_type, active_customers, mean_load_factor, mean_peak_valley_difference_rate,
    interval_measured_share, active_customers_with_pv, pv_adoption_rate, customer_years,
    tickets_per_1000_customer_years,
    {%- for ticket_type in ticket_types %}
    {{ ticket_type }}_tickets_per_1000_customer_years,
    {%- endfor %}
    min_peak_valley_spread, max_peak_valley_spread, on_peak_share_change_per_0_10_yuan_spread
from final
