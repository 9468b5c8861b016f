{#- Load factor (mean / maximum load) and peak-valley difference rate ((maximum - minimum) /
    maximum load); both undefined for a customer that drew no power. -#}
{% macro load_ratios(max_load, min_load, mean_load) -%}
    {{ mean_load }} / nullif({{ max_load }}, 0) as load_factor,
        ({{ max_load }} - {{ min_load }}) / nullif({{ max_load }}, 0) as peak_valley_difference_rate
{%- endmacro %}
