{#- The credit scorecard per active customer and month end (docs/ch3_credit.md). Computed in
    int_credit__customer_month_grades so that the value scores can use the grade without
    reading a chapter mart; this is the contracted face.
    Nothing happens between the model and the contract, so there is no CTE to name. -#}
select
    customer_id, grade_month, graded_as_of, customer_type, payment_mode,
    bills_due_12m, on_time_rate_12m, on_time_points,
    worst_days_late_12m, worst_days_late_points,
    months_in_arrears_12m, months_in_arrears_points,
    amount_past_due, overdue_to_bill_ratio, amount_overdue_points,
    tenure_years, tenure_points,
    credit_score, consecutive_months_in_arrears, is_forced_lowest_grade, credit_grade, credit_grade_rank
from {{ ref('int_credit__customer_month_grades') }}
