-- how well the grade predicts arrears: for every grade given at a month end whose following
-- window (var credit_validation_window_months) lies inside the data, was the customer in arrears
-- at any of the following month ends? The rate must fall as grades get better (a warn test checks)
with grades as (
    select
        customer_id,
        graded_as_of,
        credit_grade,
        credit_grade_rank
    from {{ ref('mart_ch3_credit_grade_monthly') }}
),

customer_months as (
    select
        customer_id,
        month_end,
        month_index,
        is_in_arrears
    from {{ ref('int_credit__customer_month_ends') }}
),

last_month as (
    select max(month_index) as last_month_index
    from {{ ref('int_credit__month_ends') }}
),

graded_with_followup as (
    select
        grades.customer_id,
        grades.credit_grade,
        grades.credit_grade_rank,
        graded_month.month_index,
        graded_month.is_in_arrears as was_in_arrears_when_graded
    from grades
    inner join customer_months as graded_month
        on grades.customer_id = graded_month.customer_id
       and grades.graded_as_of = graded_month.month_end
    cross join last_month
    where graded_month.month_index + {{ var('credit_validation_window_months') }} <= last_month.last_month_index
),

later_arrears as (
    {{ later_arrears_flags('graded_with_followup', 'customer_months', var('credit_validation_window_months')) }}
),

outcomes as (
    select
        graded_with_followup.credit_grade,
        graded_with_followup.credit_grade_rank,
        graded_with_followup.was_in_arrears_when_graded,
        later_arrears.fell_into_arrears
    from graded_with_followup
    inner join later_arrears
        on graded_with_followup.customer_id = later_arrears.customer_id
       and graded_with_followup.month_index = later_arrears.month_index
),

final as (
    select
        cast(credit_grade as {{ dbt.type_string() }}) as credit_grade,
        cast(credit_grade_rank as integer) as credit_grade_rank,
        cast(count(*) as bigint) as graded_customer_months,
        cast(sum(fell_into_arrears) as bigint) as customer_months_with_later_arrears,
        cast(avg(cast(fell_into_arrears as double)) as double) as next_window_arrears_rate,
        cast(sum(case when not was_in_arrears_when_graded then 1 else 0 end) as bigint) as graded_while_clear,
        cast(sum(case when not was_in_arrears_when_graded then fell_into_arrears else 0 end) as bigint)
            as new_arrears_after_clear_grade,
        cast(
            sum(case when not was_in_arrears_when_graded then fell_into_arrears else 0 end)
            / nullif(cast(sum(case when not was_in_arrears_when_graded then 1 else 0 end) as double), 0)
        as double) as next_window_new_arrears_rate,
        cast({{ var('credit_validation_window_months') }} as integer) as window_months
    from outcomes
    group by credit_grade, credit_grade_rank
)

select
    credit_grade,
    credit_grade_rank,
    graded_customer_months,
    customer_months_with_later_arrears,
    next_window_arrears_rate,
    graded_while_clear,
    new_arrears_after_clear_grade,
    next_window_new_arrears_rate,
    window_months
from final
