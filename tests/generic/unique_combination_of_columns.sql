{#- Fails on every combination of the columns that occurs more than once.

    On the largest tables (tens of millions of rows) grouping by the whole key costs seconds, so a
    dense integer or date column of the key may be named as bucket_column (with bucket_origin,
    a SQL value subtracted to make it a whole number: 0, or date '2000-01-01'): rows are grouped
    by the other columns and a block of 64 consecutive values, collecting the values seen as bits;
    only the blocks holding more rows than distinct values are grouped by the whole key. The
    result is exactly the duplicates either way. -#}
{% test unique_combination_of_columns(model, combination_of_columns, bucket_column=none, bucket_origin=0) %}
{%- if bucket_column is none %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{%- else %}
{%- set other_columns = combination_of_columns | reject('equalto', bucket_column) | list %}
{%- set position = '(' ~ bucket_column ~ ' - ' ~ bucket_origin ~ ')' %}
with blocks_with_repeats as (
    select
        {%- for column in other_columns %}
        {{ column }},
        {%- endfor %}
        {{ position }} // 64 as _block
    from {{ model }}
    where {{ bucket_column }} is not null
    group by all
    having count(*) > bit_count(bit_or(1::ubigint << (({{ position }} % 64 + 64) % 64)::ubigint))
),

candidate_rows as (
    select {{ combination_of_columns | join(', ') }}
    from (select * from {{ model }}) as rows_in_model
    semi join blocks_with_repeats
        on {% for column in other_columns %}rows_in_model.{{ column }} is not distinct from blocks_with_repeats.{{ column }} and {% endfor -%}
        {{ position }} // 64 = blocks_with_repeats._block
    union all
    -- rows without a value in the bucket column have no block: they are compared whole
    select {{ combination_of_columns | join(', ') }}
    from {{ model }}
    where {{ bucket_column }} is null
),

final as (
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from candidate_rows
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
)

select * from final
{%- endif %}
{% endtest %}
