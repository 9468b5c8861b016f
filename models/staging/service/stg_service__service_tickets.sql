{{ staging_accepted_rows(ref('base_service__service_tickets')) }}
