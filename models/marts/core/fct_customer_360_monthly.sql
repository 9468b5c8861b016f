{#- One customer's whole story, month by month: energy used, billed and paid, what was owed at the
    month end, the credit grade, the service contacts and survey scores. The monthly half of the
    customer-360 view (`powerlens customer ID`, docs/customer_360.md); the customer's profile is
    dim_customers, the current risk and value the chapter 5 and 6 marts. Every figure is one of
    the facts the chapters use, joined by customer and month. -#}
with customer_months as (
    select
        customer_id,
        month_start as report_month,
        month_end,
        is_active,
        is_in_arrears,
        amount_outstanding,
        amount_past_due,
        max_days_past_due,
        oldest_ageing_bucket
    from {{ ref('int_credit__customer_month_ends') }}
),

usage as (
    select
        customer_id,
        usage_month as report_month,
        kwh_total,
        kwh_sharp + kwh_peak as kwh_on_peak,
        kwh_valley,
        max_demand_kw
    from {{ ref('fct_monthly_usage') }}
),

bills as (
    select
        customer_id,
        billing_month as report_month,
        sum(total_amount) as billed_yuan
    from {{ ref('fct_bills') }}
    group by customer_id, billing_month
),

payments as (
    select
        customer_id,
        paid_month as report_month,
        sum(amount) as paid_yuan,
        count(*) as payments,
        count(*) filter (where days_after_due > 0) as late_payments
    from {{ ref('fct_payments') }}
    group by customer_id, paid_month
),

grades as (
    select
        customer_id,
        grade_month as report_month,
        credit_grade,
        credit_score
    from {{ ref('int_credit__customer_month_grades') }}
),

tickets as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as report_month,
        count(*) as service_tickets,
        count(*) filter (where ticket_type = 'complaint') as complaints,
        count(*) filter (where ticket_type = 'fault_repair') as fault_repairs
    from {{ ref('stg_service__service_tickets') }}
    group by all
),

surveys as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'survey_date') }} as date) as report_month,
        avg(overall) as survey_overall
    from {{ ref('stg_service__surveys') }}
    group by all
),

story_months as (
    {#- every customer and month with anything to tell: a payment after the account closed, or a
        ticket before it opened, keeps its month -#}
    select customer_id, report_month from customer_months
    union
    select customer_id, report_month from usage
    union
    select customer_id, report_month from bills
    union
    select customer_id, report_month from payments
    union
    select customer_id, report_month from tickets
    union
    select customer_id, report_month from surveys
),

final as (
    select
        story_months.customer_id,
        story_months.report_month,
        coalesce(customer_months.is_active, false) as is_active,
        cast(coalesce(usage.kwh_total, 0) as decimal(18, 2)) as kwh_total,
        cast(coalesce(usage.kwh_on_peak, 0) as decimal(18, 2)) as kwh_on_peak,
        cast(coalesce(usage.kwh_valley, 0) as decimal(18, 2)) as kwh_valley,
        usage.max_demand_kw,
        cast(coalesce(bills.billed_yuan, 0) as decimal(18, 2)) as billed_yuan,
        cast(coalesce(payments.paid_yuan, 0) as decimal(18, 2)) as paid_yuan,
        cast(coalesce(payments.payments, 0) as integer) as payments,
        cast(coalesce(payments.late_payments, 0) as integer) as late_payments,
        cast(customer_months.amount_outstanding as decimal(18, 2)) as outstanding_at_month_end_yuan,
        cast(customer_months.amount_past_due as decimal(18, 2)) as past_due_at_month_end_yuan,
        coalesce(customer_months.is_in_arrears, false) as is_in_arrears,
        customer_months.max_days_past_due,
        customer_months.oldest_ageing_bucket,
        grades.credit_grade as credit_grade_at_month_start,
        grades.credit_score as credit_score_at_month_start,
        cast(coalesce(tickets.service_tickets, 0) as integer) as service_tickets,
        cast(coalesce(tickets.complaints, 0) as integer) as complaints,
        cast(coalesce(tickets.fault_repairs, 0) as integer) as fault_repairs,
        cast(surveys.survey_overall as double) as survey_overall
    from story_months
    left join customer_months
        on story_months.customer_id = customer_months.customer_id
        and story_months.report_month = customer_months.report_month
    left join usage
        on story_months.customer_id = usage.customer_id
        and story_months.report_month = usage.report_month
    left join bills
        on story_months.customer_id = bills.customer_id
        and story_months.report_month = bills.report_month
    left join payments
        on story_months.customer_id = payments.customer_id
        and story_months.report_month = payments.report_month
    left join grades
        on story_months.customer_id = grades.customer_id
        and story_months.report_month = grades.report_month
    left join tickets
        on story_months.customer_id = tickets.customer_id
        and story_months.report_month = tickets.report_month
    left join surveys
        on story_months.customer_id = surveys.customer_id
        and story_months.report_month = surveys.report_month
)

select
    customer_id,
    report_month,
    is_active,
    kwh_total,
    kwh_on_peak,
    kwh_valley,
    max_demand_kw,
    billed_yuan,
    paid_yuan,
    payments,
    late_payments,
    outstanding_at_month_end_yuan,
    past_due_at_month_end_yuan,
    is_in_arrears,
    max_days_past_due,
    oldest_ageing_bucket,
    credit_grade_at_month_start,
    credit_score_at_month_start,
    service_tickets,
    complaints,
    fault_repairs,
    survey_overall
from final
