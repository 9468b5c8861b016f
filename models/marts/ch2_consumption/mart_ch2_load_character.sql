{#- Load character per customer and month (load factor, peak-valley difference rate). Computed
    in int_consumption__customer_month_loads, which chapter 1 also summarises; this is the
    contracted face.
    Nothing happens between the model and the contract, so there is no CTE to name. -#}
select
    customer_id, usage_month, customer_type, region_code, load_source,
    max_load_kw, min_load_kw, mean_load_kw, load_factor, peak_valley_difference_rate, max_load_below_mean_load
from {{ ref('int_consumption__customer_month_loads') }}
