-- why bills fall into arrears: the share of bills still unpaid at the first month end after
-- their due date, by segment and by drivers computed from the data (docs/ch3_credit.md),
-- one row per driver and driver value
with customers as (
    select
        customer_id,
        customer_type,
        region_code,
        urban_rural,
        payment_mode,
        open_date
    from {{ ref('stg_cis__customers') }}
),

bills as (
    select
        bills.bill_id,
        bills.customer_id,
        bills.billing_month,
        bills.kwh_total,
        bills.total_amount,
        avg(bills.total_amount) over (
            partition by bills.customer_id order by bills.billing_month
            rows between 12 preceding and 1 preceding
        ) as average_bill_prior_12,
        count(*) over (
            partition by bills.customer_id order by bills.billing_month
            rows between 12 preceding and 1 preceding
        ) as prior_bills
    from {{ ref('stg_cis__bills') }} as bills
),

consumption_levels as (
    -- income proxy: the customer's average monthly kWh, in quartiles within the customer type
    select
        bills.customer_id,
        ntile(4) over (partition by customers.customer_type order by avg(bills.kwh_total), bills.customer_id) as consumption_quartile
    from bills
    inner join customers on bills.customer_id = customers.customer_id
    group by bills.customer_id, customers.customer_type
),

payment_channel_counts as (
    select
        customer_id,
        channel,
        count(*) as payments
    from {{ ref('stg_cis__payments') }}
    group by customer_id, channel
),

main_payment_channels as (
    select
        customer_id,
        channel as main_payment_channel
    from (
        select
            customer_id,
            channel,
            row_number() over (partition by customer_id order by payments desc, channel) as channel_rank
        from payment_channel_counts
    ) as ranked_channels
    where channel_rank = 1
),

billing_complaints as (
    select
        customer_id,
        cast(created_at as date) as complaint_date
    from {{ ref('stg_service__service_tickets') }}
    where ticket_type = 'complaint'
      and category = 'billing'
),

settled_bills as (
    select
        settlement.bill_id,
        settlement.customer_id,
        settlement.billing_month,
        settlement.issue_date,
        settlement.due_date,
        settlement.entered_arrears
    from {{ ref('fct_bill_settlement') }} as settlement
    where settlement.entered_arrears is not null
),

complained_bills as (
    select distinct settled_bills.bill_id
    from settled_bills
    inner join billing_complaints
        on settled_bills.customer_id = billing_complaints.customer_id
       and billing_complaints.complaint_date <= settled_bills.due_date
       and billing_complaints.complaint_date > {{ dbt.dateadd('day', -var('credit_complaint_lookback_days'), 'settled_bills.due_date') }}
),

bill_drivers as (
    select
        settled_bills.bill_id,
        settled_bills.customer_id,
        settled_bills.entered_arrears,
        customers.customer_type,
        customers.region_code,
        customers.urban_rural,
        customers.payment_mode,
        case
            when bills.prior_bills < 3 or coalesce(bills.average_bill_prior_12, 0) <= 0 then 'no_history'
            when bills.total_amount > {{ var('credit_bill_shock_ratio') }} * bills.average_bill_prior_12 then 'bill_shock'
            else 'no_shock'
        end as bill_shock,
        lpad(cast(extract(month from settled_bills.billing_month) as {{ dbt.type_string() }}), 2, '0') as billing_calendar_month,
        case
            when {{ dbt.datediff('customers.open_date', 'settled_bills.issue_date', 'month') }} < 12 then 'under_1_year'
            when {{ dbt.datediff('customers.open_date', 'settled_bills.issue_date', 'month') }} < 36 then '1_3_years'
            when {{ dbt.datediff('customers.open_date', 'settled_bills.issue_date', 'month') }} < 60 then '3_5_years'
            when {{ dbt.datediff('customers.open_date', 'settled_bills.issue_date', 'month') }} < 120 then '5_10_years'
            else 'over_10_years'
        end as tenure_band,
        coalesce(main_payment_channels.main_payment_channel, 'no_payments') as main_payment_channel,
        case when complained_bills.bill_id is not null then 'yes' else 'no' end as billing_complaint_before_due,
        'q' || cast(consumption_levels.consumption_quartile as {{ dbt.type_string() }}) as consumption_quartile
    from settled_bills
    inner join customers on settled_bills.customer_id = customers.customer_id
    inner join bills on settled_bills.bill_id = bills.bill_id
    left join consumption_levels on settled_bills.customer_id = consumption_levels.customer_id
    left join main_payment_channels on settled_bills.customer_id = main_payment_channels.customer_id
    left join complained_bills on settled_bills.bill_id = complained_bills.bill_id
),

{% set drivers = ['customer_type', 'region_code', 'urban_rural', 'payment_mode', 'bill_shock',
                  'billing_calendar_month', 'tenure_band', 'main_payment_channel',
                  'billing_complaint_before_due', 'consumption_quartile'] %}
driver_rows as (
    {%- for driver in drivers %}
    select
        '{{ driver }}' as driver,
        cast({{ driver }} as {{ dbt.type_string() }}) as driver_value,
        customer_id,
        entered_arrears
    from bill_drivers
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

driver_rates as (
    select
        driver,
        driver_value,
        count(*) as bills_observed,
        count(distinct customer_id) as customers,
        sum(case when entered_arrears then 1 else 0 end) as bills_entered_arrears
    from driver_rows
    group by driver, driver_value
),

final as (
    select
        cast(driver as {{ dbt.type_string() }}) as driver,
        cast(driver_value as {{ dbt.type_string() }}) as driver_value,
        cast(bills_observed as bigint) as bills_observed,
        cast(customers as bigint) as customers,
        cast(bills_entered_arrears as bigint) as bills_entered_arrears,
        cast(bills_entered_arrears / cast(bills_observed as double) as double) as arrears_rate,
        -- the value's rate against the rate over all bills: above 1 means more arrears than average
        cast(
            (bills_entered_arrears / cast(bills_observed as double))
            / nullif(sum(bills_entered_arrears) over (partition by driver) / sum(cast(bills_observed as double)) over (partition by driver), 0)
        as double) as arrears_rate_index
    from driver_rates
)

select
    driver,
    driver_value,
    bills_observed,
    customers,
    bills_entered_arrears,
    arrears_rate,
    arrears_rate_index
from final
