-- prepaid against postpaid within each customer type: how often bills fall into arrears, how
-- prepaid customers top up, and the arrears prepayment avoided (docs/ch3_credit.md)
with customers as (
    select customer_id, customer_type, payment_mode
    from {{ ref('stg_cis__customers') }}
),

bill_outcomes as (
    select
        customers.customer_type,
        customers.payment_mode,
        count(distinct settlement.customer_id) as customers_billed,
        count(*) as bills_observed,
        sum(settlement.total_amount) as billed_amount,
        sum(case when settlement.entered_arrears then 1 else 0 end) as bills_entered_arrears,
        avg(case when settlement.days_late > 0 then cast(settlement.days_late as double) end) as average_days_late_of_late_bills
    from {{ ref('fct_bill_settlement') }} as settlement
    inner join customers on settlement.customer_id = customers.customer_id
    -- only bills whose first arrears check lies inside the data
    where settlement.entered_arrears is not null
    group by customers.customer_type, customers.payment_mode
),

topups as (
    select
        customer_id,
        paid_at,
        amount,
        {{ dbt.datediff(
            'lag(paid_at) over (partition by customer_id order by paid_at, payment_id)',
            'paid_at', 'day') }} as days_since_previous_topup
    from {{ ref('fct_payments') }}
    where payment_type = 'prepaid_topup'
),

topup_patterns as (
    select
        customers.customer_type,
        customers.payment_mode,
        count(distinct topups.customer_id) as customers_topping_up,
        count(*) as topups,
        avg(topups.amount) as average_topup_amount,
        {{ percentile_cont('topups.days_since_previous_topup', 0.5) }} as median_days_between_topups
    from topups
    inner join customers on topups.customer_id = customers.customer_id
    group by customers.customer_type, customers.payment_mode
),

rates as (
    select
        bill_outcomes.customer_type,
        bill_outcomes.payment_mode,
        bill_outcomes.customers_billed,
        bill_outcomes.bills_observed,
        bill_outcomes.billed_amount,
        bill_outcomes.bills_entered_arrears,
        bill_outcomes.bills_entered_arrears / cast(bill_outcomes.bills_observed as double) as bill_arrears_rate,
        bill_outcomes.average_days_late_of_late_bills,
        coalesce(topup_patterns.customers_topping_up, 0) as customers_topping_up,
        coalesce(topup_patterns.topups, 0) as topups,
        topup_patterns.average_topup_amount,
        topup_patterns.median_days_between_topups
    from bill_outcomes
    left join topup_patterns
        on bill_outcomes.customer_type = topup_patterns.customer_type
       and bill_outcomes.payment_mode = topup_patterns.payment_mode
),

final as (
    select
        cast(prepaid.customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(prepaid.payment_mode as {{ dbt.type_string() }}) as payment_mode,
        cast(prepaid.customers_billed as bigint) as customers_billed,
        cast(prepaid.bills_observed as bigint) as bills_observed,
        cast(prepaid.billed_amount as decimal(18, 2)) as billed_amount,
        cast(prepaid.bills_entered_arrears as bigint) as bills_entered_arrears,
        cast(prepaid.bill_arrears_rate as double) as bill_arrears_rate,
        cast(prepaid.average_days_late_of_late_bills as double) as average_days_late_of_late_bills,
        cast(prepaid.customers_topping_up as bigint) as customers_topping_up,
        cast(prepaid.topups as bigint) as topups,
        cast(prepaid.average_topup_amount as decimal(18, 2)) as average_topup_amount,
        cast(prepaid.median_days_between_topups as double) as median_days_between_topups,
        -- bills a prepaid group would have let fall into arrears at the postpaid rate of the same type
        cast(case when prepaid.payment_mode = 'prepaid'
            then greatest(postpaid.bill_arrears_rate - prepaid.bill_arrears_rate, 0) * prepaid.bills_observed
        end as double) as arrears_bills_avoided_estimate
    from rates as prepaid
    left join rates as postpaid
        on prepaid.customer_type = postpaid.customer_type
       and postpaid.payment_mode = 'postpaid'
)

select
    customer_type,
    payment_mode,
    customers_billed,
    bills_observed,
    billed_amount,
    bills_entered_arrears,
    bill_arrears_rate,
    average_days_late_of_late_bills,
    customers_topping_up,
    topups,
    average_topup_amount,
    median_days_between_topups,
    arrears_bills_avoided_estimate
from final
