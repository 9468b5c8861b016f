-- BI users read dim_customers: no column may carry a customer's full name, phone or address,
-- and the masks must keep their shape (张**, 138****1234, city + district).
-- Each failing row names the customer and which mask failed (never the value itself).
select
    dim.customer_id,
    case
        when dim.customer_name_masked in (customers.customer_name, customers.phone, customers.address)
            or dim.customer_name_masked not like '%**' then 'customer_name_masked'
        when dim.phone_masked in (customers.customer_name, customers.phone, customers.address)
            or dim.phone_masked not like '%****%' then 'phone_masked'
        else 'address_masked'
    end as failing_mask
from {{ ref('dim_customers') }} as dim
inner join {{ ref('stg_cis__customers') }} as customers
    on dim.customer_id = customers.customer_id
where dim.customer_name_masked in (customers.customer_name, customers.phone, customers.address)
    or dim.phone_masked in (customers.customer_name, customers.phone, customers.address)
    or dim.address_masked in (customers.customer_name, customers.phone, customers.address)
    or dim.customer_name_masked not like '%**'
    or dim.phone_masked not like '%****%'
    or length(dim.address_masked) >= length(customers.address)
