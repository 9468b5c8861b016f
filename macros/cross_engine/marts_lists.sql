{#- Lists held in one text column (surveys.energy_saving_actions: codes separated by a bar). -#}

{#- The list of the parts of a text split at a separator (taken literally). -#}
{% macro marts_split_list(text_expr, separator) -%}
    {{ return(adapter.dispatch('marts_split_list', 'powerlens')(text_expr, separator)) }}
{%- endmacro %}

{% macro default__marts_split_list(text_expr, separator) -%}
    string_split({{ text_expr }}, '{{ separator }}')
{%- endmacro %}

{#- Spark's split takes a regular expression: the separator goes in a character class. -#}
{% macro spark__marts_split_list(text_expr, separator) -%}
    split({{ text_expr }}, '[{{ separator }}]')
{%- endmacro %}

{#- Whether a list holds a value. -#}
{% macro marts_list_contains(list_expr, value_expr) -%}
    {{ return(adapter.dispatch('marts_list_contains', 'powerlens')(list_expr, value_expr)) }}
{%- endmacro %}

{% macro default__marts_list_contains(list_expr, value_expr) -%}
    list_contains({{ list_expr }}, {{ value_expr }})
{%- endmacro %}

{% macro spark__marts_list_contains(list_expr, value_expr) -%}
    array_contains({{ list_expr }}, {{ value_expr }})
{%- endmacro %}
