{{ staging_rejected_rows(ref('base_cis__programme_enrollments'), 'programme_enrollments') }}
