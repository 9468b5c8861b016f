{#- What each customer could save per year, one row per customer and applicable suggestion.
    Priced in int_billing__saving_potential, which the chapter 6 offers also read; this is the
    contracted face.
    Nothing happens between the model and the contract, so there is no CTE to name. -#}
select
    customer_id, suggestion, saving_yuan_per_year, customer_type, region_code, months_priced,
    suggestion_detail_zh, suggestion_detail_en
from {{ ref('int_billing__saving_potential') }}
