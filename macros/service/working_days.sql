{#- Working-day calendar for the 95598 complaint commitment ("contact within 1 working day").
    Weekends are not working days, except the weekend days the State Council moves work to
    (调休); the national public holidays below are not working days. The lists follow the State
    Council's published schedules for 2024 and 2025 (the sample's period); add each new year's
    notice here, before data from that year is judged against the commitment. -#}
{% macro service_public_holidays() -%}
    {%- set holiday_ranges = [
        ('2024-01-01', '2024-01-01'), ('2024-02-10', '2024-02-17'), ('2024-04-04', '2024-04-06'),
        ('2024-05-01', '2024-05-05'), ('2024-06-10', '2024-06-10'), ('2024-09-15', '2024-09-17'),
        ('2024-10-01', '2024-10-07'),
        ('2025-01-01', '2025-01-01'), ('2025-01-28', '2025-02-04'), ('2025-04-04', '2025-04-06'),
        ('2025-05-01', '2025-05-05'), ('2025-05-31', '2025-06-02'), ('2025-10-01', '2025-10-08'),
    ] -%}
    {{ return(holiday_ranges) }}
{%- endmacro %}

{% macro service_makeup_workdays() -%}
    {{ return([
        '2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14',
        '2024-09-29', '2024-10-12',
        '2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11',
    ]) }}
{%- endmacro %}
