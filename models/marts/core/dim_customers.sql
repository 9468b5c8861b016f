{#- One row per customer for BI users: segment fields with zh/en labels, tenure, and PII
    masked (name, phone, address to district level). Unmasked PII never leaves staging. -#}
{%- set labelled_code_sets = ['customer_type', 'sector', 'industry_code', 'urban_rural',
                              'basic_charge_basis', 'payment_mode', 'close_reason'] -%}
with customers as (
    select
        customer_id,
        customer_name,
        phone,
        address,
        customer_type,
        sector,
        industry_code,
        region_code,
        urban_rural,
        voltage_kv,
        contract_capacity_kva,
        tariff_code,
        basic_charge_basis,
        payment_mode,
        has_pv,
        own_generation,
        open_date,
        close_date,
        close_reason
    from {{ ref('stg_cis__customers') }}
),

code_labels as (
    select code_set, code, label_zh, label_en
    from {{ ref('code_labels') }}
),

regions as (
    select region_code, region_name_zh, region_name_en, city_zh, city_en
    from {{ ref('regions') }}
),

tariffs as (
    select tariff_code, tariff_class
    from {{ ref('tariffs') }}
),

-- tenure is measured to the close date, or to the last day the data covers
data_period as (
    select max(month_end_date) as data_end_date
    from {{ ref('int_consumption__customer_months') }}
),

final as (
    select
        customers.customer_id,
        {{ mask_name('customers.customer_name') }} as customer_name_masked,
        {{ mask_phone('customers.phone') }} as phone_masked,
        {#- an address no longer than its district ('-', a bare district name) would be shown
            whole by the district: masked to NULL instead -#}
        {{ mask_address_to_district('regions.city_zh', 'regions.region_name_zh', 'customers.address') }} as address_masked,
        {%- for code_set in labelled_code_sets %}
        customers.{{ code_set }},
        {{ code_set }}_labels.label_zh as {{ code_set }}_label_zh,
        {{ code_set }}_labels.label_en as {{ code_set }}_label_en,
        {%- endfor %}
        customers.region_code,
        regions.region_name_zh,
        regions.region_name_en,
        customers.voltage_kv,
        customers.contract_capacity_kva,
        customers.tariff_code,
        tariffs.tariff_class,
        {{ power_factor_standard('customers.customer_type', 'customers.voltage_kv', 'customers.contract_capacity_kva') }}
            as pf_standard,
        customers.has_pv,
        customers.own_generation,
        customers.open_date,
        customers.close_date,
        (customers.close_date is null or customers.close_date > data_period.data_end_date) as is_active,
        cast({{ dbt.datediff('customers.open_date',
                             'least(coalesce(customers.close_date, data_period.data_end_date), data_period.data_end_date)',
                             'month') }} as integer) as tenure_months
    from customers
    cross join data_period
    left join regions
        on customers.region_code = regions.region_code
    left join tariffs
        on customers.tariff_code = tariffs.tariff_code
    {%- for code_set in labelled_code_sets %}
    left join code_labels as {{ code_set }}_labels
        on {{ code_set }}_labels.code_set = '{{ code_set }}'
        and customers.{{ code_set }} = {{ code_set }}_labels.code
    {%- endfor %}
)

select
    customer_id, customer_name_masked, phone_masked, address_masked,
    {%- for code_set in labelled_code_sets %}
    {{ code_set }}, {{ code_set }}_label_zh, {{ code_set }}_label_en,
    {%- endfor %}
    region_code, region_name_zh, region_name_en,
    voltage_kv, contract_capacity_kva, tariff_code, tariff_class, pf_standard, has_pv, own_generation,
    open_date, close_date, is_active, tenure_months,
    case
        when tenure_months < 12 then 'under_1_year'
        when tenure_months < 36 then '1_to_3_years'
        when tenure_months < 120 then '3_to_10_years'
        else '10_years_and_more'
    end as tenure_band
from final
