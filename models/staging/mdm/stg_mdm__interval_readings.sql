{{ staging_accepted_rows(ref('base_mdm__interval_readings')) }}
