{#- incremental by raw file on both engines (docs/incremental.md; on Spark partitioned by it) -#}
{{ config(**incremental_engine_config('_source_file')) }}
{{ staging_checked_rows(
    source('cis', 'payments'),
    columns=[
        {'name': 'payment_id'},
        {'name': 'customer_id', 'required': true,
            'parent': [ref('stg_cis__customers'), 'customer_id', 'orphan_customer']},
        {'name': 'bill_id', 'parent': [ref('stg_cis__bills'), 'bill_id', 'orphan_bill']},
        {'name': 'paid_at', 'type': 'timestamp'},
        {'name': 'amount', 'type': 'money', 'nonnegative': true},
        {'name': 'channel', 'code_set': 'payment_channel'},
        {'name': 'payment_type', 'code_set': 'payment_type'},
    ],
    unique_keys=[['payment_id']],
) }}
