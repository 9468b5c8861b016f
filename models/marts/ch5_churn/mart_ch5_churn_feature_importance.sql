-- the Python model's output, typed for the contract
with final as (
    select
        cast(model_name as {{ dbt.type_string() }}) as model_name,
        cast(evaluation_snapshot as date) as evaluation_snapshot,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(importance as double) as pr_auc_drop,
        cast(importance_std as double) as pr_auc_drop_std,
        cast(importance_rank as integer) as importance_rank,
        cast(model_version as {{ dbt.type_string() }}) as model_version
    from {{ ref('py_churn_feature_importance') }}
)

select
    model_name,
    evaluation_snapshot,
    feature,
    pr_auc_drop,
    pr_auc_drop_std,
    importance_rank,
    model_version
from final
