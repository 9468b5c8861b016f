-- how the high value tier differs from all valued customers; the Python model already has the contract's types
with final as (
    select group_name, dimension, category, base_customers, group_customers, base_share, group_share, over_representation, group_rate
    from {{ ref('py_value_high_value_profile') }}
)

select group_name, dimension, category, base_customers, group_customers, base_share, group_share, over_representation, group_rate
from final
