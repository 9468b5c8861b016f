{#- incremental by raw file on both engines (docs/incremental.md; on Spark partitioned by it) -#}
{{ config(**incremental_engine_config('_source_file')) }}
{{ staging_checked_rows(
    source('service', 'surveys'),
    columns=[
        {'name': 'survey_id'},
        {'name': 'customer_id', 'required': true,
            'parent': [ref('stg_cis__customers'), 'customer_id', 'orphan_customer']},
        {'name': 'survey_date', 'type': 'date'},
        {'name': 'overall', 'type': 'integer', 'range': [1, 10]},
        {'name': 'reliability', 'type': 'integer', 'range': [1, 10]},
        {'name': 'power_quality', 'type': 'integer', 'range': [1, 10]},
        {'name': 'billing', 'type': 'integer', 'range': [1, 10]},
        {'name': 'staff', 'type': 'integer', 'range': [1, 10]},
        {'name': 'channels', 'type': 'integer', 'range': [1, 10]},
        {'name': 'energy_saving_actions', 'code_list': ['energy_saving_action', '|']},
    ],
    unique_keys=[['survey_id']],
) }}
