{#- incremental by raw file on both engines (docs/incremental.md; on Spark partitioned by it) -#}
{{ config(**incremental_engine_config('_source_file')) }}
{{ staging_checked_rows(
    source('mdm', 'meter_readings'),
    columns=[
        {'name': 'customer_id', 'parent': [ref('stg_cis__customers'), 'customer_id', 'orphan_customer']},
        {'name': 'reading_date', 'type': 'date'},
        {'name': 'kwh_sharp', 'type': 'double', 'nonnegative': true},
        {'name': 'kwh_peak', 'type': 'double', 'nonnegative': true},
        {'name': 'kwh_flat', 'type': 'double', 'nonnegative': true},
        {'name': 'kwh_valley', 'type': 'double', 'nonnegative': true},
        {'name': 'kvarh', 'type': 'double', 'nonnegative': true},
        {'name': 'max_demand_kw', 'type': 'double', 'nonnegative': true},
    ],
    unique_keys=[['customer_id', 'reading_date']],
    change_month_column='reading_date',
) }}
