{#- Fails on every combination of the columns that occurs more than once.

    On the largest tables (tens of millions of rows) grouping by the whole key costs seconds, so a
    dense integer or date column of the key may be named as bucket_column (with bucket_origin,
    a SQL value subtracted to make it a whole number: 0, or date '2000-01-01'): rows are grouped
    by the other columns and a block of 64 consecutive values, collecting the values seen as bits;
    only the blocks holding more rows than distinct values are grouped by the whole key. The
    result is exactly the duplicates either way. The SQL is in
    macros/cross_engine/marts_generic_tests.sql; Spark groups by the whole key. -#}
{% test unique_combination_of_columns(model, combination_of_columns, bucket_column=none, bucket_origin=0) %}
{%- if bucket_column is none %}
{{ unique_combination_duplicates(model, combination_of_columns) }}
{%- else %}
{{ unique_combination_in_blocks(model, combination_of_columns, bucket_column, bucket_origin) }}
{%- endif %}
{% endtest %}
