{#- incremental by raw file on both engines (docs/incremental.md; on Spark partitioned by it) -#}
{{ config(**incremental_engine_config('_source_file')) }}
{{ staging_checked_rows(
    source('mdm', 'interval_readings'),
    columns=[
        {'name': 'customer_id', 'parent': [ref('stg_cis__customers'), 'customer_id', 'orphan_customer']},
        {'name': 'interval_start', 'type': 'timestamp'},
        {'name': 'kw', 'type': 'double', 'nonnegative': true},
    ],
    unique_keys=[['customer_id', 'interval_start']],
) }}
