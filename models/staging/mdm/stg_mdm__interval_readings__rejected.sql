{{ staging_rejected_rows(ref('base_mdm__interval_readings'), 'interval_readings') }}
