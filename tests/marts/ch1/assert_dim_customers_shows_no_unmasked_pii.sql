-- BI users read dim_customers: no column may carry a customer's full name, phone or address,
-- and the masks must keep their shape (张**, 138****1234, city + district).
select dim.customer_id
from {{ ref('dim_customers') }} as dim
inner join {{ ref('stg_cis__customers') }} as customers
    on dim.customer_id = customers.customer_id
where dim.customer_name_masked in (customers.customer_name, customers.phone, customers.address)
    or dim.phone_masked in (customers.customer_name, customers.phone, customers.address)
    or dim.address_masked in (customers.customer_name, customers.phone, customers.address)
    or dim.customer_name_masked not like '%**'
    or dim.phone_masked not like '%****%'
    or length(dim.address_masked) >= length(customers.address)
