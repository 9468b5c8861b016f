{#- Arrears ageing buckets by days past the due date (docs/ch3_credit.md): one list so the
    bucket labels, their bounds and the per-bucket columns of the marts cannot drift apart. -#}
{% macro credit_ageing_buckets() -%}
    {{ return([
        {'name': '1_30', 'min_days': 1, 'max_days': 30},
        {'name': '31_60', 'min_days': 31, 'max_days': 60},
        {'name': '61_90', 'min_days': 61, 'max_days': 90},
        {'name': 'over_90', 'min_days': 91, 'max_days': none},
    ]) }}
{%- endmacro %}

{% macro credit_ageing_bucket(days_past_due_expr) -%}
    case
        when {{ days_past_due_expr }} is null or {{ days_past_due_expr }} <= 0 then 'not_due'
    {%- for bucket in credit_ageing_buckets() %}
        {%- if bucket.max_days is not none %}
        when {{ days_past_due_expr }} <= {{ bucket.max_days }} then '{{ bucket.name }}'
        {%- else %}
        else '{{ bucket.name }}'
        {%- endif %}
    {%- endfor %}
    end
{%- endmacro %}

{#- Timing of a payment (or of a bill's full settlement) against the due date; negative days
    are early. -#}
{% macro credit_days_vs_due_band(days_after_due_expr) -%}
    case
        when {{ days_after_due_expr }} is null then 'not_applicable'
        when {{ days_after_due_expr }} < -7 then 'early_over_7_days'
        when {{ days_after_due_expr }} < 0 then 'early_1_7_days'
        when {{ days_after_due_expr }} = 0 then 'on_due_date'
        when {{ days_after_due_expr }} <= 30 then 'late_1_30_days'
        when {{ days_after_due_expr }} <= 90 then 'late_31_90_days'
        else 'late_over_90_days'
    end
{%- endmacro %}
