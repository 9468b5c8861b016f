{{ staging_rejected_rows(ref('base_mdm__meter_readings'), 'meter_readings') }}
