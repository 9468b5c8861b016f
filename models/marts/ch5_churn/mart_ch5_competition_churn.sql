{#- The competitive environment as a churn factor: observed churn by the retail-competition level
    of the customer's region (seeds/region_retail_competition.csv, an assumption the utility
    replaces) and customer type over the data period: accounts active at some time in it, those
    that closed, the share that closed and the yearly rate per customer-year, and how many of
    the closures were switches to a retailer (close_reason switched_retailer). -#}
with customers as (
    select
        customer_id,
        customer_type,
        region_code,
        open_date,
        close_date,
        close_reason
    from {{ ref('dim_customers') }}
),

competition as (
    select
        region_code,
        competition_level,
        competition_index
    from {{ ref('region_retail_competition') }}
),

data_period as (
    select
        min(usage_month) as data_start_date,
        max(month_end_date) as data_end_date
    from {{ ref('int_consumption__customer_months') }}
),

period_customers as (
    select
        customers.customer_type,
        coalesce(competition.competition_level, 'unknown') as competition_level,
        competition.competition_index,
        customers.close_date is not null
            and customers.close_date between data_period.data_start_date and data_period.data_end_date as is_closed,
        coalesce(customers.close_reason = 'switched_retailer', false) as is_switched,
        -- days inside the data period while the account was open
        {{ dbt.datediff(
            'greatest(customers.open_date, data_period.data_start_date)',
            'least(coalesce(customers.close_date, data_period.data_end_date), data_period.data_end_date)',
            'day') }} + 1 as active_days
    from customers
    cross join data_period
    left join competition
        on customers.region_code = competition.region_code
    where customers.open_date <= data_period.data_end_date
        and (customers.close_date is null or customers.close_date >= data_period.data_start_date)
),

churn_groups as (
    select
        competition_level,
        customer_type,
        {{ avg_as_double('competition_index') }} as competition_index,
        count(*) as customers,
        count(*) filter (where is_closed) as closures,
        count(*) filter (where is_closed and is_switched) as switched_retailer_closures,
        sum(active_days) / {{ double_literal('365.25') }} as customer_years
    from period_customers
    group by competition_level, customer_type
),

final as (
    select
        cast(competition_level as {{ dbt.type_string() }}) as competition_level,
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(competition_index as double) as competition_index,
        cast(customers as bigint) as customers,
        cast(closures as bigint) as closures,
        cast(switched_retailer_closures as bigint) as switched_retailer_closures,
        cast(closures / cast(customers as double) as double) as churn_share,
        cast(switched_retailer_closures / cast(customers as double) as double) as switched_retailer_share,
        cast(switched_retailer_closures / nullif(cast(closures as double), 0) as double) as switched_share_of_closures,
        cast(customer_years as double) as customer_years,
        cast(closures / nullif(customer_years, 0) as double) as annual_churn_rate
    from churn_groups
)

select
    competition_level,
    customer_type,
    competition_index,
    customers,
    closures,
    switched_retailer_closures,
    churn_share,
    switched_retailer_share,
    switched_share_of_closures,
    customer_years,
    annual_churn_rate
from final
