{#- every Spark build is a full one (docs/spark.md); monthly continuation is DuckDB's for now -#}
{{ config(materialized='table' if target.type == 'spark' else 'incremental') }}
{{ staging_checked_rows(
    source('mdm', 'interval_readings'),
    columns=[
        {'name': 'customer_id', 'parent': [ref('stg_cis__customers'), 'customer_id', 'orphan_customer']},
        {'name': 'interval_start', 'type': 'timestamp'},
        {'name': 'kw', 'type': 'double', 'nonnegative': true},
    ],
    unique_keys=[['customer_id', 'interval_start']],
) }}
