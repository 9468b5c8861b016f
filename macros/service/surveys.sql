{#- The survey's score dimensions (surveys columns, code set survey_dimension), 1-10 each. -#}
{% macro survey_dimensions() -%}
    {{ return(['overall', 'reliability', 'power_quality', 'billing', 'staff', 'channels']) }}
{%- endmacro %}

{#- One row per answered dimension of each survey row of `relation`: the given columns, then
    dimension and score (the dimensions unpivoted; an unanswered one gives no row). -#}
{% macro survey_dimension_rows(relation, columns) -%}
    {%- for dimension in survey_dimensions() %}
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        '{{ dimension }}' as dimension,
        {{ dimension }} as score
    from {{ relation }}
    where {{ dimension }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
