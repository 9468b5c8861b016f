{#- The value of the first row of a group in an order: DuckDB's ordered aggregate
    `first(value order by key1 desc, key2)`. Spark has no ordered aggregates; min_by over a
    struct of the keys picks the same row, a descending key negated (descending keys must be
    numeric). sort_keys: a list of (expression, 'asc' or 'desc'). -#}
{% macro marts_first_ordered(value_expr, sort_keys) -%}
    {{ return(adapter.dispatch('marts_first_ordered', 'powerlens')(value_expr, sort_keys)) }}
{%- endmacro %}

{% macro default__marts_first_ordered(value_expr, sort_keys) -%}
    first({{ value_expr }} order by {% for key, direction in sort_keys %}{{ key }} {{ direction }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__marts_first_ordered(value_expr, sort_keys) -%}
    min_by({{ value_expr }}, struct({% for key, direction in sort_keys %}{{ '-' if direction == 'desc' }}({{ key }}){{ ', ' if not loop.last }}{% endfor %}))
{%- endmacro %}
