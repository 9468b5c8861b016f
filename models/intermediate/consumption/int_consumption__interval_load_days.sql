{#- Daily load profile summary of customers with interval (15-minute) meters: the basis of
    the load character where interval data exists. -#}
with interval_readings as (
    select
        customer_id,
        cast(interval_start as date) as load_date,
        kw
    from {{ ref('stg_mdm__interval_readings') }}
),

final as (
    select
        customer_id,
        load_date,
        cast({{ dbt.date_trunc('month', 'load_date') }} as date) as usage_month,
        count(*) as interval_count,
        max(kw) as max_load_kw,
        min(kw) as min_load_kw,
        sum(kw) as sum_load_kw
    from interval_readings
    group by customer_id, load_date
)

select * from final
