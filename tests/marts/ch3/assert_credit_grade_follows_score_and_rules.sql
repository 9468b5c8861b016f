-- every grade is consistent with its parts: score = sum of the five points within 0-100, the
-- grade is the forced lowest one exactly when the arrears rule fires, otherwise the score's band
select
    customer_id,
    grade_month,
    credit_score,
    credit_grade,
    is_forced_lowest_grade
from {{ ref('mart_ch3_credit_grade_monthly') }}
where credit_score <> on_time_points + worst_days_late_points + months_in_arrears_points
        + amount_overdue_points + tenure_points
   or credit_score not between 0 and 100
   or (is_forced_lowest_grade and credit_grade <> '{{ credit_lowest_grade() }}')
   or (not is_forced_lowest_grade and credit_grade <> {{ credit_grade_from_score('credit_score') }})
