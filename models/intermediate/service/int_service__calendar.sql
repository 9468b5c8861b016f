-- one row per day with its working-day status and a running count of working days, so the
-- working days between two dates is a subtraction (see macros/service/working_days.sql)
with calendar_days as (
    select {{ date_series("date '" ~ var('min_valid_date') ~ "'", "date '2040-12-31'", 'day') }} as calendar_date
),

public_holidays as (
    {%- for first_day, last_day in service_public_holidays() %}
    select {{ date_series("date '" ~ first_day ~ "'", "date '" ~ last_day ~ "'", 'day') }} as holiday_date
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

makeup_workdays as (
    {%- for workday in service_makeup_workdays() %}
    select date '{{ workday }}' as workday_date
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

day_status as (
    select
        calendar_days.calendar_date,
        {{ iso_weekday('calendar_days.calendar_date') }} >= 6 as is_weekend,
        public_holidays.holiday_date is not null as is_public_holiday,
        makeup_workdays.workday_date is not null as is_makeup_workday
    from calendar_days
    left join public_holidays on calendar_days.calendar_date = public_holidays.holiday_date
    left join makeup_workdays on calendar_days.calendar_date = makeup_workdays.workday_date
),

working_day_flags as (
    select
        calendar_date,
        is_weekend,
        is_public_holiday,
        is_makeup_workday,
        (is_makeup_workday or not (is_weekend or is_public_holiday)) as is_working_day
    from day_status
),

final as (
    select
        calendar_date,
        is_weekend,
        is_public_holiday,
        is_makeup_workday,
        is_working_day,
        sum(case when is_working_day then 1 else 0 end)
            over (order by calendar_date rows between unbounded preceding and current row) as working_day_number
    from working_day_flags
)

select
    calendar_date,
    is_weekend,
    is_public_holiday,
    is_makeup_workday,
    is_working_day,
    working_day_number
from final
