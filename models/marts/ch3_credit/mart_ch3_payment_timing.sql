-- when customers pay, by customer type and payment mode, in one long table with four measures:
--   payment_vs_due   bill payments by days before/after the named bill's due date (timing band)
--   payment_weekday  all payments by ISO weekday (1 Monday ... 7 Sunday)
--   payment_hour     all payments by hour of day (0-23)
--   bill_settlement  bills by the day they were paid in full against the due date (unpaid = still open)
with payments as (
    select
        customer_type,
        payment_mode,
        payment_type,
        timing_band,
        paid_weekday,
        paid_hour
    from {{ ref('fct_payments') }}
),

bills as (
    select
        settlement.customer_id,
        customers.customer_type,
        customers.payment_mode,
        settlement.is_paid_in_full,
        settlement.days_paid_after_due
    from {{ ref('fct_bill_settlement') }} as settlement
    inner join {{ ref('stg_cis__customers') }} as customers on settlement.customer_id = customers.customer_id
),

measure_rows as (
    select customer_type, payment_mode, 'payment_vs_due' as measure, timing_band as bucket
    from payments
    where payment_type = 'bill' and timing_band <> 'not_applicable'
    union all
    select customer_type, payment_mode, 'payment_weekday' as measure, cast(paid_weekday as {{ dbt.type_string() }}) as bucket
    from payments
    union all
    select customer_type, payment_mode, 'payment_hour' as measure, lpad(cast(paid_hour as {{ dbt.type_string() }}), 2, '0') as bucket
    from payments
    union all
    select
        customer_type,
        payment_mode,
        'bill_settlement' as measure,
        case when is_paid_in_full then {{ credit_days_vs_due_band('days_paid_after_due') }} else 'unpaid' end as bucket
    from bills
),

bucket_counts as (
    select
        customer_type,
        payment_mode,
        measure,
        bucket,
        count(*) as occurrences
    from measure_rows
    group by customer_type, payment_mode, measure, bucket
),

final as (
    select
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(payment_mode as {{ dbt.type_string() }}) as payment_mode,
        cast(measure as {{ dbt.type_string() }}) as measure,
        cast(bucket as {{ dbt.type_string() }}) as bucket,
        cast(occurrences as bigint) as occurrences,
        cast({{ share_within('occurrences', 'customer_type, payment_mode, measure') }} as double)
            as share_within_measure
    from bucket_counts
)

select
    customer_type,
    payment_mode,
    measure,
    bucket,
    occurrences,
    share_within_measure
from final
