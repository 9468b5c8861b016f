{{ staging_rejected_rows(ref('base_service__service_tickets'), 'service_tickets') }}
