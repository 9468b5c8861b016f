-- how many customers hold each grade, month by month and by customer type
with grades as (
    select
        grade_month,
        customer_type,
        credit_grade,
        credit_grade_rank,
        credit_score
    from {{ ref('mart_ch3_credit_grade_monthly') }}
),

grade_counts as (
    select
        grade_month,
        customer_type,
        credit_grade,
        credit_grade_rank,
        count(*) as customers,
        avg(credit_score) as average_score
    from grades
    group by grade_month, customer_type, credit_grade, credit_grade_rank
),

final as (
    select
        cast(grade_month as date) as grade_month,
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(credit_grade as {{ dbt.type_string() }}) as credit_grade,
        cast(credit_grade_rank as integer) as credit_grade_rank,
        cast(customers as bigint) as customers,
        cast({{ share_within('customers', 'grade_month, customer_type') }} as double)
            as share_of_customer_type,
        cast(average_score as double) as average_score
    from grade_counts
)

select
    grade_month,
    customer_type,
    credit_grade,
    credit_grade_rank,
    customers,
    share_of_customer_type,
    average_score
from final
