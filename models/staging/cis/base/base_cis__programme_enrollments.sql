{#- incremental by raw file on both engines (docs/incremental.md; on Spark partitioned by it) -#}
{{ config(**incremental_engine_config('_source_file')) }}
{{ staging_checked_rows(
    source('cis', 'programme_enrollments'),
    columns=[
        {'name': 'customer_id', 'parent': [ref('stg_cis__customers'), 'customer_id', 'orphan_customer']},
        {'name': 'programme', 'code_set': 'programme'},
        {'name': 'enrolled_date', 'type': 'date'},
    ],
    unique_keys=[['customer_id', 'programme']],
) }}
