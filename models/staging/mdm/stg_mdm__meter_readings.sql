{{ staging_accepted_rows(ref('base_mdm__meter_readings')) }}
