-- the credit grade must rank risk: each better grade has a lower next-window arrears rate than
-- the grade below it. Warn, not error: a weak grade is a finding for the analyst, not broken data.
{{ config(severity='warn') }}

with grade_rates as (
    select
        credit_grade,
        credit_grade_rank,
        next_window_arrears_rate,
        lead(credit_grade) over (order by credit_grade_rank) as worse_grade,
        lead(next_window_arrears_rate) over (order by credit_grade_rank) as worse_grade_rate
    from {{ ref('mart_ch3_credit_grade_validation') }}
)

select
    credit_grade,
    next_window_arrears_rate,
    worse_grade,
    worse_grade_rate
from grade_rates
where worse_grade is not null
  and next_window_arrears_rate >= worse_grade_rate
