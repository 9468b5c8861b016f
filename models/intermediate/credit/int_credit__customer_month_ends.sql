-- one row per customer per month end while the account is active that month, plus any later
-- month end at which a closed account still owes past-due money: the customer's arrears state
-- at that month end (in arrears = some bill past its due date is not fully paid)
with customers as (
    select
        customer_id,
        customer_type,
        region_code,
        urban_rural,
        payment_mode,
        open_date,
        close_date
    from {{ ref('stg_cis__customers') }}
),

month_ends as (
    select month_start, month_end, month_index
    from {{ ref('int_credit__month_ends') }}
),

active_customer_months as (
    select
        customers.customer_id,
        month_ends.month_end
    from customers
    inner join month_ends
        on customers.open_date <= month_ends.month_end
       and (customers.close_date is null or customers.close_date >= month_ends.month_start)
),

balances_by_customer_month as (
    select
        customer_id,
        month_end,
        sum(amount_outstanding) as amount_outstanding,
        sum(case when days_past_due > 0 then amount_outstanding else 0 end) as amount_past_due,
        {%- for bucket in credit_ageing_buckets() %}
        sum(case when ageing_bucket = '{{ bucket.name }}' then amount_outstanding else 0 end) as amount_past_due_{{ bucket.name }},
        {%- endfor %}
        count(case when days_past_due > 0 then bill_id end) as bills_past_due,
        max(days_past_due) as max_days_past_due
    from {{ ref('int_credit__bill_month_end_balances') }}
    group by customer_id, month_end
),

customer_months as (
    select
        coalesce(active_customer_months.customer_id, balances_by_customer_month.customer_id) as customer_id,
        coalesce(active_customer_months.month_end, balances_by_customer_month.month_end) as month_end,
        active_customer_months.customer_id is not null as is_active,
        coalesce(balances_by_customer_month.amount_outstanding, 0) as amount_outstanding,
        coalesce(balances_by_customer_month.amount_past_due, 0) as amount_past_due,
        {%- for bucket in credit_ageing_buckets() %}
        coalesce(balances_by_customer_month.amount_past_due_{{ bucket.name }}, 0) as amount_past_due_{{ bucket.name }},
        {%- endfor %}
        coalesce(balances_by_customer_month.bills_past_due, 0) as bills_past_due,
        coalesce(balances_by_customer_month.max_days_past_due, 0) as max_days_past_due
    from active_customer_months
    full outer join balances_by_customer_month
        on active_customer_months.customer_id = balances_by_customer_month.customer_id
       and active_customer_months.month_end = balances_by_customer_month.month_end
    where active_customer_months.customer_id is not null
       or balances_by_customer_month.amount_past_due > 0
),

arrears_flags as (
    select
        customer_months.*,
        month_ends.month_start,
        month_ends.month_index,
        customer_months.amount_past_due > 0 as is_in_arrears
    from customer_months
    inner join month_ends on customer_months.month_end = month_ends.month_end
),

arrears_islands as (
    -- consecutive month ends with the same arrears state share an island number
    select
        arrears_flags.*,
        month_index - row_number() over (partition by customer_id, is_in_arrears order by month_end) as arrears_island
    from arrears_flags
),

final as (
    select
        arrears_islands.customer_id,
        arrears_islands.month_start,
        arrears_islands.month_end,
        arrears_islands.month_index,
        customers.customer_type,
        customers.region_code,
        customers.urban_rural,
        customers.payment_mode,
        customers.open_date,
        customers.close_date,
        arrears_islands.is_active,
        arrears_islands.is_in_arrears,
        arrears_islands.amount_outstanding,
        arrears_islands.amount_past_due,
        {%- for bucket in credit_ageing_buckets() %}
        arrears_islands.amount_past_due_{{ bucket.name }},
        {%- endfor %}
        arrears_islands.bills_past_due,
        arrears_islands.max_days_past_due,
        {{ credit_ageing_bucket('arrears_islands.max_days_past_due') }} as oldest_ageing_bucket,
        case
            when arrears_islands.is_in_arrears
                then row_number() over (
                    partition by arrears_islands.customer_id, arrears_islands.is_in_arrears, arrears_islands.arrears_island
                    order by arrears_islands.month_end
                )
            else 0
        end as consecutive_months_in_arrears
    from arrears_islands
    inner join customers on arrears_islands.customer_id = customers.customer_id
)

select * from final
