{#- Energy-saving programme participation per customer type: how many of the type's
    customers (all accounts active at some point of the data period) enrolled in each
    programme. -#}
with customers as (
    select customer_id, customer_type
    from {{ ref('dim_customers') }}
    where customer_id in (select customer_id from {{ ref('int_consumption__customer_months') }})
),

enrollments as (
    select customer_id, programme, enrolled_date
    from {{ ref('stg_cis__programme_enrollments') }}
),

programmes as (
    select code as programme, label_zh as programme_label_zh, label_en as programme_label_en
    from {{ ref('code_labels') }}
    where code_set = 'programme'
),

customers_per_type as (
    select customer_type, count(*) as customers
    from customers
    group by customer_type
),

enrolled_per_type as (
    select customers.customer_type, enrollments.programme, count(distinct enrollments.customer_id) as enrolled_customers
    from enrollments
    inner join customers
        on enrollments.customer_id = customers.customer_id
    group by customers.customer_type, enrollments.programme
),

final as (
    select
        customers_per_type.customer_type,
        programmes.programme,
        programmes.programme_label_zh,
        programmes.programme_label_en,
        cast(customers_per_type.customers as integer) as customers,
        cast(coalesce(enrolled_per_type.enrolled_customers, 0) as integer) as enrolled_customers,
        cast(coalesce(enrolled_per_type.enrolled_customers, 0) as double) / customers_per_type.customers
            as participation_rate
    from customers_per_type
    cross join programmes
    left join enrolled_per_type
        on customers_per_type.customer_type = enrolled_per_type.customer_type
        and programmes.programme = enrolled_per_type.programme
)

select
    customer_type, programme, programme_label_zh, programme_label_en,
    customers, enrolled_customers, participation_rate
from final
