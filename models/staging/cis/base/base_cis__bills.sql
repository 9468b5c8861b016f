{#- incremental by raw file on both engines (docs/incremental.md; on Spark partitioned by it) -#}
{{ config(**incremental_engine_config('_source_file')) }}
{{ staging_checked_rows(
    source('cis', 'bills'),
    columns=[
        {'name': 'bill_id'},
        {'name': 'customer_id', 'required': true,
            'parent': [ref('stg_cis__customers'), 'customer_id', 'orphan_customer']},
        {'name': 'billing_month', 'type': 'month', 'required': true},
        {'name': 'issue_date', 'type': 'date'},
        {'name': 'due_date', 'type': 'date', 'future_ok': true},
        {'name': 'kwh_total', 'type': 'double', 'nonnegative': true},
        {'name': 'power_factor', 'type': 'power_factor', 'range': [0, 1]},
        {'name': 'basic_charge', 'type': 'money', 'nonnegative': true},
        {'name': 'energy_charge', 'type': 'money', 'nonnegative': true},
        {'name': 'pf_adjustment', 'type': 'money'},
        {'name': 'surcharge', 'type': 'money', 'nonnegative': true},
        {'name': 'total_amount', 'type': 'money', 'nonnegative': true},
    ],
    unique_keys=[['bill_id'], ['customer_id', 'billing_month']],
) }}
