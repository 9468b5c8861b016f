{#- every Spark build is a full one (docs/spark.md); monthly continuation is DuckDB's for now -#}
{{ config(materialized='table' if target.type == 'spark' else 'incremental') }}
{{ staging_checked_rows(
    source('cis', 'programme_enrollments'),
    columns=[
        {'name': 'customer_id', 'parent': [ref('stg_cis__customers'), 'customer_id', 'orphan_customer']},
        {'name': 'programme', 'code_set': 'programme'},
        {'name': 'enrolled_date', 'type': 'date'},
    ],
    unique_keys=[['customer_id', 'programme']],
) }}
