{#- Customers' own generation (solar, wind, both) by customer type and region: how many active
    customers have it, their share of the type's customers in the region, and their kWh drawn
    from the grid over the last 12 complete months with its share. -#}
with customers as (
    select
        customer_id,
        customer_type,
        region_code,
        own_generation
    from {{ ref('dim_customers') }}
    where is_active
),

customer_months as (
    select
        customer_id,
        usage_month,
        days_in_month,
        reading_days,
        kwh_total
    from {{ ref('int_consumption__customer_months') }}
),

-- a month is complete when some customer has a reading for every day of it (the export cut-off
-- month is not): no figure here comes from a part month
complete_months as (
    select usage_month
    from customer_months
    group by usage_month
    having max(reading_days) >= max(days_in_month)
),

last_12_months as (
    select usage_month
    from complete_months
    order by usage_month desc
    limit 12
),

customer_kwh as (
    select
        customer_months.customer_id,
        sum(customer_months.kwh_total) as kwh_12m
    from customer_months
    inner join last_12_months
        on customer_months.usage_month = last_12_months.usage_month
    group by customer_months.customer_id
),

generation_groups as (
    select
        customers.customer_type,
        customers.region_code,
        customers.own_generation,
        count(*) as customers,
        coalesce(sum(customer_kwh.kwh_12m), 0) as kwh_12m
    from customers
    left join customer_kwh
        on customers.customer_id = customer_kwh.customer_id
    group by customers.customer_type, customers.region_code, customers.own_generation
),

final as (
    select
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(own_generation as {{ dbt.type_string() }}) as own_generation,
        cast(customers as bigint) as customers,
        cast(customers / sum(customers) over (partition by customer_type, region_code) as double)
            as share_of_customers,
        cast(kwh_12m as double) as kwh_12m,
        cast(cast(kwh_12m as double) / nullif(cast(sum(kwh_12m) over (partition by customer_type, region_code) as double), 0) as double)
            as share_of_kwh
    from generation_groups
)

select
    customer_type,
    region_code,
    own_generation,
    customers,
    share_of_customers,
    kwh_12m,
    share_of_kwh
from final
