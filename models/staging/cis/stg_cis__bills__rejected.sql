{{ staging_rejected_rows(ref('base_cis__bills'), 'bills') }}
