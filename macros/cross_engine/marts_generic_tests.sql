{#- The SQL of the generic test unique_combination_of_columns (tests/generic). -#}

{#- Every combination of the columns that occurs more than once, grouped by the whole key. -#}
{% macro unique_combination_duplicates(model, combination_of_columns) -%}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{%- endmacro %}

{#- The same duplicates, found block by block of the bucket column (the test's comment says
    how). The blocks are DuckDB's speed-up (bit sets of unsigned integers, semi joins); Spark
    groups by the whole key, which finds exactly the same duplicates. -#}
{% macro unique_combination_in_blocks(model, combination_of_columns, bucket_column, bucket_origin) -%}
    {{ return(adapter.dispatch('unique_combination_in_blocks', 'powerlens')(model, combination_of_columns, bucket_column, bucket_origin)) }}
{%- endmacro %}

{% macro spark__unique_combination_in_blocks(model, combination_of_columns, bucket_column, bucket_origin) -%}
{{ unique_combination_duplicates(model, combination_of_columns) }}
{%- endmacro %}

{% macro default__unique_combination_in_blocks(model, combination_of_columns, bucket_column, bucket_origin) -%}
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
{%- endmacro %}
