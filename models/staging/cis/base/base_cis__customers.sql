{#- incremental by raw file on both engines (docs/incremental.md; on Spark partitioned by it) -#}
{{ config(**incremental_engine_config('_source_file')) }}
{#- own_generation and has_pv both given: has_pv must say whether the generation includes solar -#}
{{ staging_checked_rows(
    source('cis', 'customers'),
    columns=[
        {'name': 'customer_id'},
        {'name': 'customer_name'},
        {'name': 'phone'},
        {'name': 'address'},
        {'name': 'customer_type', 'code_set': 'customer_type'},
        {'name': 'sector', 'code_set': 'sector'},
        {'name': 'industry_code', 'code_set': 'industry_code'},
        {'name': 'region_code', 'lookup': [ref('regions'), 'region_code']},
        {'name': 'urban_rural', 'code_set': 'urban_rural'},
        {'name': 'voltage_kv', 'type': 'double', 'nonnegative': true},
        {'name': 'contract_capacity_kva', 'type': 'double', 'nonnegative': true},
        {'name': 'tariff_code', 'lookup': [ref('tariffs'), 'tariff_code']},
        {'name': 'basic_charge_basis', 'code_set': 'basic_charge_basis'},
        {'name': 'contract_demand_kw', 'type': 'double', 'nonnegative': true},
        {'name': 'payment_mode', 'code_set': 'payment_mode'},
        {'name': 'has_pv', 'type': 'boolean'},
        {'name': 'own_generation', 'code_set': 'own_generation',
            'conflict': ["own_generation is not null and has_pv__typed is not null"
                ~ " and has_pv__typed <> (own_generation in ('solar', 'solar_wind'))",
                staging_string_literal("own_generation '") ~ " || own_generation || "
                ~ staging_string_literal("' disagrees with has_pv ") ~ " || has_pv__typed"]},
        {'name': 'open_date', 'type': 'date'},
        {'name': 'close_date', 'type': 'date'},
        {'name': 'close_reason', 'code_set': 'close_reason'},
    ],
    unique_keys=[['customer_id']],
) }}
