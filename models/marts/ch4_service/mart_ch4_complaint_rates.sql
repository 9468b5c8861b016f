-- complaints per 1,000 customers per year by customer type and region, with repeats and
-- satisfaction after handling; customer-years count each active customer-month as 1/12
with customer_years as (
    select
        customer_type,
        region_code,
        count(*) / {{ double_literal('12.0') }} as customer_years,
        count(distinct customer_id) as customers
    from {{ ref('int_credit__customer_month_ends') }}
    where is_active
    group by customer_type, region_code
),

complaints as (
    select
        customer_type,
        region_code,
        count(*) as complaints,
        sum(case when is_repeat_complaint then 1 else 0 end) as repeat_complaints,
        count(satisfaction) as complaints_rated,
        avg(cast(satisfaction as double)) as average_satisfaction
    from {{ ref('fct_service_tickets') }}
    where ticket_type = 'complaint'
    group by customer_type, region_code
),

final as (
    select
        cast(customer_years.customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(customer_years.region_code as {{ dbt.type_string() }}) as region_code,
        cast(customer_years.customers as bigint) as customers,
        cast(customer_years.customer_years as double) as customer_years,
        cast(coalesce(complaints.complaints, 0) as bigint) as complaints,
        cast(1000.0 * coalesce(complaints.complaints, 0) / customer_years.customer_years as double)
            as complaints_per_1000_customers_per_year,
        cast(coalesce(complaints.repeat_complaints, 0) as bigint) as repeat_complaints,
        cast(coalesce(complaints.complaints_rated, 0) as bigint) as complaints_rated,
        cast(complaints.average_satisfaction as double) as average_satisfaction
    from customer_years
    left join complaints
        on customer_years.customer_type = complaints.customer_type
       and customer_years.region_code = complaints.region_code
)

select
    customer_type,
    region_code,
    customers,
    customer_years,
    complaints,
    complaints_per_1000_customers_per_year,
    repeat_complaints,
    complaints_rated,
    average_satisfaction
from final
