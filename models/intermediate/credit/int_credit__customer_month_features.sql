-- the credit scorecard's inputs per active customer per month end, using only what was known
-- at that month end (bills due in the trailing 12 months, arrears at the trailing 12 month ends)
with customer_months as (
    select
        customer_id,
        month_start,
        month_end,
        month_index,
        customer_type,
        payment_mode,
        open_date,
        is_active,
        is_in_arrears,
        amount_past_due,
        consecutive_months_in_arrears,
        sum(case when is_in_arrears then 1 else 0 end) over (
            partition by customer_id
            order by month_index
            range between 11 preceding and current row
        ) as months_in_arrears_12m
    from {{ ref('int_credit__customer_month_ends') }}
),

bills as (
    select
        customer_id,
        issue_date,
        due_date,
        total_amount,
        paid_in_full_date,
        days_late
    from {{ ref('int_credit__bill_settlement') }}
),

trailing_bills as (
    select
        customer_months.customer_id,
        customer_months.month_end,
        count(case when bills.due_date > {{ dbt.dateadd('month', -12, 'customer_months.month_end') }}
            and bills.due_date <= customer_months.month_end then 1 end) as bills_due_12m,
        count(case when bills.due_date > {{ dbt.dateadd('month', -12, 'customer_months.month_end') }}
            and bills.due_date <= customer_months.month_end
            and bills.paid_in_full_date <= bills.due_date then 1 end) as bills_paid_on_time_12m,
        max(case when bills.due_date > {{ dbt.dateadd('month', -12, 'customer_months.month_end') }}
            and bills.due_date <= customer_months.month_end then
                case
                    when bills.paid_in_full_date <= customer_months.month_end then bills.days_late
                    else {{ dbt.datediff('bills.due_date', 'customer_months.month_end', 'day') }}
                end
        end) as worst_days_late_12m,
        {{ avg_as_double("case when bills.issue_date > " ~ dbt.dateadd('month', -12, 'customer_months.month_end')
            ~ " then bills.total_amount end") }} as average_bill_12m
    from customer_months
    inner join bills
        on customer_months.customer_id = bills.customer_id
       and bills.issue_date <= customer_months.month_end
       and bills.issue_date > {{ dbt.dateadd('month', -13, 'customer_months.month_end') }}
    where customer_months.is_active
    group by customer_months.customer_id, customer_months.month_end
),

final as (
    select
        customer_months.customer_id,
        customer_months.month_start,
        customer_months.month_end,
        customer_months.month_index,
        customer_months.customer_type,
        customer_months.payment_mode,
        coalesce(trailing_bills.bills_due_12m, 0) as bills_due_12m,
        coalesce(trailing_bills.bills_paid_on_time_12m, 0) as bills_paid_on_time_12m,
        case when trailing_bills.bills_due_12m > 0
            then cast(trailing_bills.bills_paid_on_time_12m as double) / trailing_bills.bills_due_12m end as on_time_rate_12m,
        coalesce(trailing_bills.worst_days_late_12m, 0) as worst_days_late_12m,
        customer_months.months_in_arrears_12m,
        customer_months.consecutive_months_in_arrears,
        customer_months.amount_past_due,
        trailing_bills.average_bill_12m,
        case
            when customer_months.amount_past_due <= 0 then 0.0
            when coalesce(trailing_bills.average_bill_12m, 0) <= 0 then null
            else cast(customer_months.amount_past_due as double) / cast(trailing_bills.average_bill_12m as double)
        end as overdue_to_bill_ratio,
        {{ dbt.datediff('customer_months.open_date', 'customer_months.month_end', 'day') }} / cast(365.25 as double) as tenure_years
    from customer_months
    left join trailing_bills
        on customer_months.customer_id = trailing_bills.customer_id
       and customer_months.month_end = trailing_bills.month_end
    where customer_months.is_active
)

select * from final
