-- does a customer's service experience go with later arrears or closing? At every month end
-- with a full outcome window after it, each active customer gets an experience band from the
-- tickets of the preceding window (var service_experience_window_months), and the outcomes of the
-- following window (var service_outcome_window_months) are counted per band
with snapshots as (
    select month_end, month_index
    from {{ ref('int_credit__month_ends') }}
    where month_index + {{ var('service_outcome_window_months') }}
        <= (select max(month_index) from {{ ref('int_credit__month_ends') }})
      and month_index - {{ var('service_experience_window_months') }}
        >= (select min(month_index) from {{ ref('int_credit__month_ends') }})
),

customer_months as (
    select
        customer_id,
        month_end,
        month_index,
        is_active,
        is_in_arrears,
        close_date
    from {{ ref('int_credit__customer_month_ends') }}
),

snapshot_customers as (
    select
        customer_months.customer_id,
        customer_months.month_end,
        customer_months.month_index,
        customer_months.is_in_arrears,
        customer_months.close_date
    from customer_months
    inner join snapshots on customer_months.month_end = snapshots.month_end
    where customer_months.is_active
      and (customer_months.close_date is null or customer_months.close_date > customer_months.month_end)
),

recent_tickets as (
    select
        snapshot_customers.customer_id,
        snapshot_customers.month_end,
        count(*) as tickets,
        sum(case when tickets.ticket_type = 'complaint' then 1 else 0 end) as complaints,
        sum(case when tickets.response_commitment_met = false or tickets.resolution_commitment_met = false then 1 else 0 end)
            as commitments_missed,
        min(tickets.satisfaction) as lowest_satisfaction,
        max(tickets.satisfaction) as highest_satisfaction
    from snapshot_customers
    inner join {{ ref('fct_service_tickets') }} as tickets
        on snapshot_customers.customer_id = tickets.customer_id
       and cast(tickets.created_at as date) <= snapshot_customers.month_end
       and cast(tickets.created_at as date) > {{ dbt.dateadd('month', -var('service_experience_window_months'), 'snapshot_customers.month_end') }}
    group by snapshot_customers.customer_id, snapshot_customers.month_end
),

later_arrears as (
    {{ later_arrears_flags('snapshot_customers', 'customer_months', var('service_outcome_window_months')) }}
),

banded as (
    select
        snapshot_customers.customer_id,
        snapshot_customers.is_in_arrears as was_in_arrears,
        case
            when recent_tickets.tickets is null then 'no_contact'
            when recent_tickets.complaints > 0 or recent_tickets.commitments_missed > 0
                or recent_tickets.lowest_satisfaction <= 2 then 'poor'
            when recent_tickets.highest_satisfaction >= 4 then 'good'
            else 'neutral'
        end as experience_band,
        later_arrears.fell_into_arrears,
        case when snapshot_customers.close_date > snapshot_customers.month_end
              and snapshot_customers.close_date <= {{ dbt.dateadd('month', var('service_outcome_window_months'), 'snapshot_customers.month_end') }}
            then 1 else 0 end as closed_in_window
    from snapshot_customers
    left join recent_tickets
        on snapshot_customers.customer_id = recent_tickets.customer_id
       and snapshot_customers.month_end = recent_tickets.month_end
    inner join later_arrears
        on snapshot_customers.customer_id = later_arrears.customer_id
       and snapshot_customers.month_index = later_arrears.month_index
),

band_outcomes as (
    select
        experience_band,
        count(*) as customer_snapshots,
        count(distinct customer_id) as customers,
        sum(case when not was_in_arrears then 1 else 0 end) as snapshots_clear_of_arrears,
        sum(case when not was_in_arrears then fell_into_arrears else 0 end) as later_arrears,
        sum(closed_in_window) as later_closures
    from banded
    group by experience_band
),

final as (
    select
        cast(experience_band as {{ dbt.type_string() }}) as experience_band,
        cast(customer_snapshots as bigint) as customer_snapshots,
        cast(customers as bigint) as customers,
        cast(snapshots_clear_of_arrears as bigint) as snapshots_clear_of_arrears,
        cast(later_arrears as bigint) as later_arrears,
        cast(later_arrears / nullif(cast(snapshots_clear_of_arrears as double), 0) as double) as later_arrears_rate,
        cast(later_closures as bigint) as later_closures,
        cast(later_closures / cast(customer_snapshots as double) as double) as later_closure_rate,
        cast({{ var('service_experience_window_months') }} as integer) as experience_window_months,
        cast({{ var('service_outcome_window_months') }} as integer) as outcome_window_months
    from band_outcomes
)

select
    experience_band,
    customer_snapshots,
    customers,
    snapshots_clear_of_arrears,
    later_arrears,
    later_arrears_rate,
    later_closures,
    later_closure_rate,
    experience_window_months,
    outcome_window_months
from final
