{#- Energy per calendar month, quarter and year, per customer type and region, with the
    sharp/peak/flat/valley shares. months_covered tells a partial quarter or year apart. -#}
{%- set period_grains = ['month', 'quarter', 'year'] -%}
with monthly_usage as (
    select
        customer_id,
        usage_month,
        customer_type,
        region_code,
        kwh_sharp,
        kwh_peak,
        kwh_flat,
        kwh_valley,
        kwh_total
    from {{ ref('fct_monthly_usage') }}
),

usage_by_period as (
    {%- for grain in period_grains %}
    select
        '{{ grain }}' as period_grain,
        cast({{ dbt.date_trunc(grain, 'usage_month') }} as date) as period_start,
        customer_type,
        region_code,
        count(distinct usage_month) as months_covered,
        count(distinct customer_id) as customers,
        sum(kwh_sharp) as kwh_sharp,
        sum(kwh_peak) as kwh_peak,
        sum(kwh_flat) as kwh_flat,
        sum(kwh_valley) as kwh_valley,
        sum(kwh_total) as kwh_total
    from monthly_usage
    group by 1, 2, 3, 4
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        period_grain,
        period_start,
        customer_type,
        region_code,
        cast(months_covered as integer) as months_covered,
        cast(customers as integer) as customers,
        cast(kwh_sharp as decimal(18, 2)) as kwh_sharp,
        cast(kwh_peak as decimal(18, 2)) as kwh_peak,
        cast(kwh_flat as decimal(18, 2)) as kwh_flat,
        cast(kwh_valley as decimal(18, 2)) as kwh_valley,
        cast(kwh_total as decimal(18, 2)) as kwh_total,
        {%- for tou_period in ['sharp', 'peak', 'flat', 'valley'] %}
        cast(kwh_{{ tou_period }} as double) / nullif(cast(kwh_total as double), 0) as {{ tou_period }}_share{{ ',' if not loop.last }}
        {%- endfor %}
    from usage_by_period
)

select
    period_grain, period_start, customer_type, region_code, months_covered, customers,
    kwh_sharp, kwh_peak, kwh_flat, kwh_valley, kwh_total,
    sharp_share, peak_share, flat_share, valley_share
from final
