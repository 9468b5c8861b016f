-- arrears month by month by customer type, region, urban/rural and payment mode: customers in
-- arrears and their share of active customers, the amount past due and its ageing. Counts and
-- amounts add up across segments; recompute shares from the counts when rolling up.
with customer_months as (
    select
        month_end,
        customer_type,
        region_code,
        urban_rural,
        payment_mode,
        is_active,
        is_in_arrears,
        amount_past_due,
        {%- for bucket in credit_ageing_buckets() %}
        amount_past_due_{{ bucket.name }},
        {%- endfor %}
        oldest_ageing_bucket
    from {{ ref('int_credit__customer_month_ends') }}
),

segment_months as (
    select
        month_end,
        customer_type,
        region_code,
        urban_rural,
        payment_mode,
        sum(case when is_active then 1 else 0 end) as active_customers,
        sum(case when is_active and is_in_arrears then 1 else 0 end) as active_customers_in_arrears,
        sum(case when is_in_arrears then 1 else 0 end) as customers_in_arrears,
        sum(amount_past_due) as arrears_amount,
        {%- for bucket in credit_ageing_buckets() %}
        sum(amount_past_due_{{ bucket.name }}) as arrears_amount_{{ bucket.name }},
        sum(case when oldest_ageing_bucket = '{{ bucket.name }}' then 1 else 0 end) as customers_oldest_{{ bucket.name }},
        {%- endfor %}
        sum(case when is_in_arrears and not is_active then 1 else 0 end) as closed_accounts_in_arrears
    from customer_months
    group by month_end, customer_type, region_code, urban_rural, payment_mode
),

final as (
    select
        cast(month_end as date) as month_end,
        cast(customer_type as {{ dbt.type_string() }}) as customer_type,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(urban_rural as {{ dbt.type_string() }}) as urban_rural,
        cast(payment_mode as {{ dbt.type_string() }}) as payment_mode,
        cast(active_customers as bigint) as active_customers,
        cast(active_customers_in_arrears as bigint) as active_customers_in_arrears,
        cast(active_customers_in_arrears / nullif(cast(active_customers as double), 0) as double) as arrears_share,
        cast(customers_in_arrears as bigint) as customers_in_arrears,
        cast(closed_accounts_in_arrears as bigint) as closed_accounts_in_arrears,
        cast(arrears_amount as decimal(18, 2)) as arrears_amount,
        {%- for bucket in credit_ageing_buckets() %}
        cast(arrears_amount_{{ bucket.name }} as decimal(18, 2)) as arrears_amount_{{ bucket.name }},
        cast(customers_oldest_{{ bucket.name }} as bigint) as customers_oldest_{{ bucket.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from segment_months
)

select
    month_end,
    customer_type,
    region_code,
    urban_rural,
    payment_mode,
    active_customers,
    active_customers_in_arrears,
    arrears_share,
    customers_in_arrears,
    closed_accounts_in_arrears,
    arrears_amount,
    {%- for bucket in credit_ageing_buckets() %}
    arrears_amount_{{ bucket.name }},
    customers_oldest_{{ bucket.name }}{{ "," if not loop.last }}
    {%- endfor %}
from final
