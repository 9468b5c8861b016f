{#- One row per customer and calendar month in which the account was active on at least one
    day (the months the customer is billed for, docs/billing_rules.md section 1), with the
    month's metered energy. The reporting window is the span of months that have readings. -#}
with monthly_readings as (
    select
        customer_id,
        usage_month,
        reading_days,
        kwh_sharp,
        kwh_peak,
        kwh_flat,
        kwh_valley,
        kvarh,
        max_demand_kw,
        min_daily_kwh
    from {{ ref('int_consumption__customer_month_readings') }}
),

reporting_months as (
    select
        usage_month,
        cast({{ dbt.last_day('usage_month', 'month') }} as date) as month_end_date
    from (select distinct usage_month from monthly_readings) as months_with_readings
),

customers as (
    select customer_id, open_date, close_date
    from {{ ref('stg_cis__customers') }}
),

customer_active_months as (
    select
        customers.customer_id,
        reporting_months.usage_month,
        reporting_months.month_end_date,
        {{ dbt.datediff('reporting_months.usage_month', 'reporting_months.month_end_date', 'day') }} + 1 as days_in_month,
        {{ dbt.datediff(
            'greatest(customers.open_date, reporting_months.usage_month)',
            'least(coalesce(customers.close_date, reporting_months.month_end_date), reporting_months.month_end_date)',
            'day') }} + 1 as active_days
    from customers
    cross join reporting_months
    where customers.open_date <= reporting_months.month_end_date
        and (customers.close_date is null or customers.close_date >= reporting_months.usage_month)
),

final as (
    select
        customer_active_months.customer_id,
        customer_active_months.usage_month,
        customer_active_months.month_end_date,
        cast(customer_active_months.days_in_month as integer) as days_in_month,
        cast(customer_active_months.active_days as integer) as active_days,
        cast(coalesce(monthly_readings.reading_days, 0) as integer) as reading_days,
        coalesce(monthly_readings.kwh_sharp, 0) as kwh_sharp,
        coalesce(monthly_readings.kwh_peak, 0) as kwh_peak,
        coalesce(monthly_readings.kwh_flat, 0) as kwh_flat,
        coalesce(monthly_readings.kwh_valley, 0) as kwh_valley,
        {{ exact_kwh('coalesce(monthly_readings.kwh_sharp, 0) + coalesce(monthly_readings.kwh_peak, 0)'
                     ~ ' + coalesce(monthly_readings.kwh_flat, 0) + coalesce(monthly_readings.kwh_valley, 0)') }} as kwh_total,
        coalesce(monthly_readings.kvarh, 0) as kvarh,
        monthly_readings.max_demand_kw,
        monthly_readings.min_daily_kwh
    from customer_active_months
    left join monthly_readings
        on customer_active_months.customer_id = monthly_readings.customer_id
        and customer_active_months.usage_month = monthly_readings.usage_month
)

select * from final
