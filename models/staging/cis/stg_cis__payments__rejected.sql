{{ staging_rejected_rows(ref('base_cis__payments'), 'payments') }}
