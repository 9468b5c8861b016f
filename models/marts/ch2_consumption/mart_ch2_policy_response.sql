{#- How customers responded to a programme: monthly kWh and on-peak (sharp + peak) share in
    the months before enrolment against the months after (the enrolment month itself left
    out), compared with similar customers (same type, never enrolled in that programme) over
    the same calendar months: a difference in differences. Only enrolments with complete
    windows on both sides count. -#}
{%- set window_months = var('policy_response_window_months', 3) -%}
with customer_months as (
    select
        customer_id,
        usage_month,
        customer_type,
        cast(kwh_total as double) as kwh_total,
        cast(kwh_sharp + kwh_peak as double) as kwh_on_peak
    from {{ ref('fct_monthly_usage') }}
),

enrollments as (
    select
        customer_id,
        programme,
        cast({{ dbt.date_trunc('month', 'enrolled_date') }} as date) as enrolled_month
    from {{ ref('stg_cis__programme_enrollments') }}
),

enrolled_windows as (
    select
        enrollments.customer_id,
        enrollments.programme,
        enrollments.enrolled_month,
        customer_months.customer_type,
        customer_months.usage_month,
        case when customer_months.usage_month < enrollments.enrolled_month then 'before' else 'after' end
            as response_window,
        customer_months.kwh_total,
        customer_months.kwh_on_peak
    from enrollments
    inner join customer_months
        on enrollments.customer_id = customer_months.customer_id
        and customer_months.usage_month <> enrollments.enrolled_month
        and customer_months.usage_month
            >= cast({{ dbt.dateadd('month', -window_months, 'enrollments.enrolled_month') }} as date)
        and customer_months.usage_month
            <= cast({{ dbt.dateadd('month', window_months, 'enrollments.enrolled_month') }} as date)
),

-- the comparison group per programme, type and month: customers never enrolled in it
comparison_months as (
    select
        programmes.programme,
        customer_months.customer_type,
        customer_months.usage_month,
        avg(customer_months.kwh_total) as mean_kwh_total,
        sum(customer_months.kwh_on_peak) / nullif(sum(customer_months.kwh_total), 0) as on_peak_share
    from customer_months
    cross join (select distinct programme from enrollments) as programmes
    where not exists (
        select 1
        from enrollments
        where enrollments.customer_id = customer_months.customer_id
            and enrollments.programme = programmes.programme
    )
    group by programmes.programme, customer_months.customer_type, customer_months.usage_month
),

enrolment_responses as (
    select
        enrolled_windows.customer_id,
        enrolled_windows.programme,
        enrolled_windows.customer_type,
        {%- for response_window in ['before', 'after'] %}
        sum(case when enrolled_windows.response_window = '{{ response_window }}' then 1 else 0 end)
            as months_{{ response_window }},
        avg(case when enrolled_windows.response_window = '{{ response_window }}' then enrolled_windows.kwh_total end)
            as mean_kwh_{{ response_window }},
        sum(case when enrolled_windows.response_window = '{{ response_window }}' then enrolled_windows.kwh_on_peak end)
            / nullif(sum(case when enrolled_windows.response_window = '{{ response_window }}'
                              then enrolled_windows.kwh_total end), 0) as on_peak_share_{{ response_window }},
        avg(case when enrolled_windows.response_window = '{{ response_window }}' then comparison_months.mean_kwh_total end)
            as comparison_mean_kwh_{{ response_window }},
        avg(case when enrolled_windows.response_window = '{{ response_window }}' then comparison_months.on_peak_share end)
            as comparison_on_peak_share_{{ response_window }}{{ ',' if not loop.last }}
        {%- endfor %}
    from enrolled_windows
    left join comparison_months
        on enrolled_windows.programme = comparison_months.programme
        and enrolled_windows.customer_type = comparison_months.customer_type
        and enrolled_windows.usage_month = comparison_months.usage_month
    group by enrolled_windows.customer_id, enrolled_windows.programme, enrolled_windows.customer_type
),

complete_responses as (
    select
        programme,
        customer_type,
        mean_kwh_after / nullif(mean_kwh_before, 0) - 1 as kwh_change_rate,
        comparison_mean_kwh_after / nullif(comparison_mean_kwh_before, 0) - 1 as comparison_kwh_change_rate,
        on_peak_share_after - on_peak_share_before as on_peak_share_change,
        comparison_on_peak_share_after - comparison_on_peak_share_before as comparison_on_peak_share_change
    from enrolment_responses
    where months_before = {{ window_months }}
        and months_after = {{ window_months }}
),

final as (
    select
        programme,
        customer_type,
        cast(count(*) as integer) as enrolled_customers_measured,
        avg(kwh_change_rate) as kwh_change_rate,
        avg(comparison_kwh_change_rate) as comparison_kwh_change_rate,
        avg(kwh_change_rate - comparison_kwh_change_rate) as net_kwh_change_rate,
        avg(on_peak_share_change) as on_peak_share_change,
        avg(comparison_on_peak_share_change) as comparison_on_peak_share_change,
        avg(on_peak_share_change - comparison_on_peak_share_change) as net_on_peak_share_change
    from complete_responses
    group by programme, customer_type
)

select
    programme, customer_type, enrolled_customers_measured,
    kwh_change_rate, comparison_kwh_change_rate, net_kwh_change_rate,
    on_peak_share_change, comparison_on_peak_share_change, net_on_peak_share_change
from final
