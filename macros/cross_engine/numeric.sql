{#- A decimal literal that must make the arithmetic around it floating point. DuckDB divides
    and averages decimals in double precision (`count(*) / 12.0` and `avg(case ... then 1.0
    ... end)` are doubles); Spark keeps them decimal, rounded to 6 places (or fewer) and
    typed decimal, so the marts' doubles and their contracts would differ. The DuckDB SQL is
    the literal as it was. -#}
{% macro double_literal(literal) -%}
    {{ return(adapter.dispatch('double_literal', 'powerlens')(literal)) }}
{%- endmacro %}

{% macro default__double_literal(literal) -%}
    {{ literal }}
{%- endmacro %}

{% macro spark__double_literal(literal) -%}
    cast({{ literal }} as double)
{%- endmacro %}

{#- The mean of a decimal column as a double. DuckDB's avg of a decimal is a double; Spark's is
    a decimal rounded to the column's scale + 4, so Spark averages the values as doubles. -#}
{% macro avg_as_double(decimal_expr) -%}
    {{ return(adapter.dispatch('avg_as_double', 'powerlens')(decimal_expr)) }}
{%- endmacro %}

{% macro default__avg_as_double(decimal_expr) -%}
    avg({{ decimal_expr }})
{%- endmacro %}

{% macro spark__avg_as_double(decimal_expr) -%}
    avg(cast({{ decimal_expr }} as double))
{%- endmacro %}

{#- A double rounded to `digits` places as DuckDB rounds it: by the double's exact binary value,
    so 990.555 (stored as 990.55499999...) rounds to 990.55. Spark rounds the shortest decimal
    that prints the double (990.555) half up, to 990.56. On Spark the product x * 10^digits is
    split exactly into the rounded product and its error (Dekker's product), and a product that
    lands on a half is rounded by the sign of the error. -#}
{% macro round_double(double_expr, digits) -%}
    {{ return(adapter.dispatch('round_double', 'powerlens')(double_expr, digits)) }}
{%- endmacro %}

{% macro default__round_double(double_expr, digits) -%}
    round({{ double_expr }}, {{ digits }})
{%- endmacro %}

{% macro spark__round_double(double_expr, digits) -%}
    {%- set x = 'cast(' ~ double_expr ~ ' as double)' -%}
    {%- set scale = 10 ** digits -%}
    {%- set product = '(' ~ x ~ ' * ' ~ scale ~ ')' -%}
    {#- x split into a high half of 26 bits and the rest, each times the scale exactly -#}
    {%- set high = '(cast(134217729 as double) * ' ~ x ~ ' - (cast(134217729 as double) * ' ~ x ~ ' - ' ~ x ~ '))' -%}
    {%- set error = '((' ~ high ~ ' * ' ~ scale ~ ' - ' ~ product ~ ') + (' ~ x ~ ' - ' ~ high ~ ') * ' ~ scale ~ ')' -%}
    (case
        when {{ product }} - floor({{ product }}) = 0.5 then floor({{ product }}) + case
            when {{ error }} > 0 then 1
            when {{ error }} < 0 then 0
            when {{ x }} > 0 then 1
            else 0
        end
        else round({{ product }}, 0)
    end / cast({{ scale }} as double))
{%- endmacro %}
