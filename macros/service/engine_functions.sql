{#- Engine-specific pieces the chapter 3/4 models need, dispatched so another engine can add
    its own version (DESIGN.md: keep engine-specific SQL in macros). -#}

{#- One row per step from start to end (both inclusive), as a date column expression; used in a
    select list. -#}
{% macro date_series(start_date_expr, end_date_expr, datepart) -%}
    {{ return(adapter.dispatch('date_series')(start_date_expr, end_date_expr, datepart)) }}
{%- endmacro %}

{% macro duckdb__date_series(start_date_expr, end_date_expr, datepart) -%}
    cast(unnest(generate_series(cast({{ start_date_expr }} as timestamp), cast({{ end_date_expr }} as timestamp), interval 1 {{ datepart }})) as date)
{%- endmacro %}

{% macro spark__date_series(start_date_expr, end_date_expr, datepart) -%}
    explode(sequence(cast({{ start_date_expr }} as date), cast({{ end_date_expr }} as date), interval 1 {{ datepart }}))
{%- endmacro %}

{#- Continuous percentile (interpolated), fraction in 0..1, as an aggregate. -#}
{% macro percentile_cont(value_expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont')(value_expr, fraction)) }}
{%- endmacro %}

{% macro duckdb__percentile_cont(value_expr, fraction) -%}
    quantile_cont({{ value_expr }}, {{ fraction }})
{%- endmacro %}

{% macro default__percentile_cont(value_expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ value_expr }})
{%- endmacro %}
