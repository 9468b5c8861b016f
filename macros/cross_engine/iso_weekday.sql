{#- Day of the week of a date or timestamp, ISO numbering: Monday 1 ... Sunday 7 (the working-day
    calendar and the payment weekday). DuckDB names the field isodow; Spark's dayofweek counts
    from Sunday, its ISO field is dayofweek_iso. -#}
{% macro iso_weekday(date_expr) -%}
    {{ return(adapter.dispatch('iso_weekday', 'powerlens')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_weekday(date_expr) -%}
    extract(isodow from {{ date_expr }})
{%- endmacro %}

{% macro spark__iso_weekday(date_expr) -%}
    extract(dayofweek_iso from {{ date_expr }})
{%- endmacro %}
