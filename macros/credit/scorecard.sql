{#- Scorecard points from a band list of [threshold, points], best band first (vars
    credit_points_*). A value outside every band, or an empty value, earns 0 points. -#}
{% macro points_at_least(value_expr, bands) -%}
    case
    {%- for threshold, points in bands %}
        when {{ value_expr }} >= {{ threshold }} then {{ points }}
    {%- endfor %}
        else 0
    end
{%- endmacro %}

{% macro points_at_most(value_expr, bands) -%}
    case
    {%- for threshold, points in bands %}
        when {{ value_expr }} <= {{ threshold }} then {{ points }}
    {%- endfor %}
        else 0
    end
{%- endmacro %}

{#- Grade letter from a score using var credit_grade_min_scores ([[grade, lowest score], ...],
    best first); the lowest grade is the letter after the last listed one. -#}
{% macro credit_lowest_grade() -%}
    {%- set grades = var('credit_grade_min_scores') -%}
    {{- "ABCDEFGH"["ABCDEFGH".index(grades[-1][0]) + 1] -}}
{%- endmacro %}

{% macro credit_grade_from_score(score_expr) -%}
    case
    {%- for grade, min_score in var('credit_grade_min_scores') %}
        when {{ score_expr }} >= {{ min_score }} then '{{ grade }}'
    {%- endfor %}
        else '{{ credit_lowest_grade() }}'
    end
{%- endmacro %}

{#- 1 for the best grade, counting up to the lowest: lets marts order and compare grades. -#}
{% macro credit_grade_rank(grade_expr) -%}
    case {{ grade_expr }}
    {%- for grade, min_score in var('credit_grade_min_scores') %}
        when '{{ grade }}' then {{ loop.index }}
    {%- endfor %}
        else {{ var('credit_grade_min_scores') | length + 1 }}
    end
{%- endmacro %}
