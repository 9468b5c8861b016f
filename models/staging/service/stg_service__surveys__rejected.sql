{{ staging_rejected_rows(ref('base_service__surveys'), 'surveys') }}
