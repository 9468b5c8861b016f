{#- incremental by raw file on both engines (docs/incremental.md; on Spark partitioned by it) -#}
{{ config(**incremental_engine_config('_source_file')) }}
{{ staging_checked_rows(
    source('service', 'service_tickets'),
    columns=[
        {'name': 'ticket_id'},
        {'name': 'customer_id', 'required': true,
            'parent': [ref('stg_cis__customers'), 'customer_id', 'orphan_customer']},
        {'name': 'channel', 'code_set': 'ticket_channel'},
        {'name': 'ticket_type', 'code_set': 'ticket_type'},
        {'name': 'category', 'code_set': 'ticket_category'},
        {'name': 'created_at', 'type': 'timestamp'},
        {'name': 'first_response_at', 'type': 'timestamp'},
        {'name': 'resolved_at', 'type': 'timestamp'},
        {'name': 'satisfaction', 'type': 'integer', 'range': [1, 5]},
        {'name': 'description'},
    ],
    unique_keys=[['ticket_id']],
) }}
