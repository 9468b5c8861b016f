-- hand-checked days of the 2024-2025 State Council schedules: weekends off except makeup
-- workdays, holidays off, and the working days after 30 Sep 2024 up to 8 Oct 2024 are one
-- (the whole National Day week is off)
with expected_days as (
    select date '2024-09-27' as calendar_date, true as expected_working     -- Friday
    union all select date '2024-09-28', false   -- Saturday
    union all select date '2024-09-29', true    -- Sunday, makeup workday
    union all select date '2024-10-01', false   -- National Day
    union all select date '2024-10-07', false   -- National Day week
    union all select date '2024-10-12', true    -- Saturday, makeup workday
    union all select date '2024-10-13', false   -- Sunday
    union all select date '2024-06-10', false   -- Dragon Boat Festival (Monday)
    union all select date '2024-06-11', true    -- Tuesday
    union all select date '2025-01-28', false   -- Spring Festival eve
    union all select date '2025-02-08', true    -- Saturday, makeup workday
    union all select date '2025-10-08', false   -- National Day + Mid-Autumn
),

day_mismatches as (
    select
        cast(expected_days.calendar_date as {{ dbt.type_string() }}) as checked,
        'working-day status differs' as problem
    from expected_days
    left join {{ ref('int_service__calendar') }} as calendar
        on expected_days.calendar_date = calendar.calendar_date
    where calendar.is_working_day is distinct from expected_days.expected_working
),

span_mismatches as (
    select
        '2024-09-30 to 2024-10-08' as checked,
        'working days between differ from 1' as problem
    from {{ ref('int_service__calendar') }} as start_day
    inner join {{ ref('int_service__calendar') }} as end_day
        on start_day.calendar_date = date '2024-09-30'
       and end_day.calendar_date = date '2024-10-08'
    where end_day.working_day_number - start_day.working_day_number <> 1
)

select checked, problem from day_mismatches
union all
select checked, problem from span_mismatches
