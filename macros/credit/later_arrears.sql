{#- For each snapshot (customer_id, month_index), 1 if the customer was in arrears at any of the
    next window_months month ends, else 0 (also 0 when no later month end row exists: the
    customer was neither active nor owing). Shared by the credit grade validation and the service
    experience outcomes so both judge "later arrears" the same way. -#}
{% macro later_arrears_flags(snapshots, customer_months, window_months) -%}
    select
        snapshot.customer_id,
        snapshot.month_index,
        max(case when later_month.is_in_arrears then 1 else 0 end) as fell_into_arrears
    from {{ snapshots }} as snapshot
    left join {{ customer_months }} as later_month
        on snapshot.customer_id = later_month.customer_id
       and later_month.month_index > snapshot.month_index
       and later_month.month_index <= snapshot.month_index + {{ window_months }}
    group by snapshot.customer_id, snapshot.month_index
{%- endmacro %}
