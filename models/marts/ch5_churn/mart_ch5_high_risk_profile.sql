-- how the high churn-risk tier differs from all scored customers; the Python model already has the contract's types
with final as (
    select group_name, dimension, category, base_customers, group_customers, base_share, group_share, over_representation, group_rate,
        cast(observed_churners as integer) as observed_churners
    from {{ ref('py_churn_high_risk_profile') }}
)

select group_name, dimension, category, base_customers, group_customers, base_share, group_share, over_representation, group_rate, observed_churners
from final
