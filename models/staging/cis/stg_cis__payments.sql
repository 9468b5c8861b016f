{{ staging_accepted_rows(ref('base_cis__payments')) }}
