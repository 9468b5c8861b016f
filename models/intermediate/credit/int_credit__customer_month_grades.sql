-- the credit scorecard (docs/ch3_credit.md): every active customer gets a score and a grade at
-- every month end from what was known then; points bands and grade cut-offs are vars
{% set feature_columns = ['customer_id', 'month_start', 'month_end', 'customer_type', 'payment_mode',
    'bills_due_12m', 'on_time_rate_12m', 'worst_days_late_12m', 'months_in_arrears_12m',
    'consecutive_months_in_arrears', 'amount_past_due', 'overdue_to_bill_ratio', 'tenure_years'] %}
{% set point_columns = ['on_time_points', 'worst_days_late_points', 'months_in_arrears_points',
    'amount_overdue_points', 'tenure_points'] %}
with features as (
    select
        {%- for column in feature_columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('int_credit__customer_month_features') }}
),

points as (
    select
        {%- for column in feature_columns %}
        {{ column }},
        {%- endfor %}
        case
            when bills_due_12m = 0 then {{ var('credit_points_on_time_no_history') }}
            else {{ points_at_least('on_time_rate_12m', var('credit_points_on_time_rate')) }}
        end as on_time_points,
        {{ points_at_most('worst_days_late_12m', var('credit_points_worst_days_late')) }} as worst_days_late_points,
        {{ points_at_most('months_in_arrears_12m', var('credit_points_months_in_arrears')) }} as months_in_arrears_points,
        {{ points_at_most('overdue_to_bill_ratio', var('credit_points_overdue_ratio')) }} as amount_overdue_points,
        {{ points_at_least('tenure_years', var('credit_points_tenure_years')) }} as tenure_points
    from features
),

scores as (
    select
        {%- for column in feature_columns + point_columns %}
        {{ column }},
        {%- endfor %}
        {{ point_columns | join(' + ') }} as credit_score,
        consecutive_months_in_arrears >= {{ var('credit_forced_lowest_grade_arrears_months') }} as is_forced_lowest_grade
    from points
),

final as (
    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(month_start as date) as grade_month,
        cast(month_end as date) as graded_as_of,
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(payment_mode as {{ dbt.type_string() }}) as payment_mode,
        cast(bills_due_12m as bigint) as bills_due_12m,
        cast(on_time_rate_12m as double) as on_time_rate_12m,
        cast(on_time_points as integer) as on_time_points,
        cast(worst_days_late_12m as integer) as worst_days_late_12m,
        cast(worst_days_late_points as integer) as worst_days_late_points,
        cast(months_in_arrears_12m as integer) as months_in_arrears_12m,
        cast(months_in_arrears_points as integer) as months_in_arrears_points,
        cast(amount_past_due as decimal(18, 2)) as amount_past_due,
        cast(overdue_to_bill_ratio as double) as overdue_to_bill_ratio,
        cast(amount_overdue_points as integer) as amount_overdue_points,
        cast(tenure_years as double) as tenure_years,
        cast(tenure_points as integer) as tenure_points,
        cast(credit_score as integer) as credit_score,
        cast(consecutive_months_in_arrears as integer) as consecutive_months_in_arrears,
        is_forced_lowest_grade,
        cast(case
            when is_forced_lowest_grade then '{{ credit_lowest_grade() }}'
            else {{ credit_grade_from_score('credit_score') }}
        end as {{ dbt.type_string() }}) as credit_grade
    from scores
)

select
    customer_id,
    grade_month,
    graded_as_of,
    customer_type,
    payment_mode,
    bills_due_12m,
    on_time_rate_12m,
    on_time_points,
    worst_days_late_12m,
    worst_days_late_points,
    months_in_arrears_12m,
    months_in_arrears_points,
    amount_past_due,
    overdue_to_bill_ratio,
    amount_overdue_points,
    tenure_years,
    tenure_points,
    credit_score,
    consecutive_months_in_arrears,
    is_forced_lowest_grade,
    credit_grade,
    cast({{ credit_grade_rank('credit_grade') }} as integer) as credit_grade_rank
from final
