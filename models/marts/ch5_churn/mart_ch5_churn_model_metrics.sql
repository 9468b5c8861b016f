-- the Python model's output, typed for the contract
with final as (
    select
        cast(model_name as varchar) as model_name,
        cast(evaluation_snapshot as date) as evaluation_snapshot,
        cast(train_first_snapshot as date) as train_first_snapshot,
        cast(train_last_snapshot as date) as train_last_snapshot,
        cast(train_rows as integer) as train_rows,
        cast(train_positive as integer) as train_churned,
        cast(operating_threshold as double) as operating_threshold,
        cast(roc_auc as double) as roc_auc,
        cast(pr_auc as double) as pr_auc,
        cast(brier as double) as brier_score,
        cast(precision_at_threshold as double) as precision_at_threshold,
        cast(recall_at_threshold as double) as recall_at_threshold,
        cast(lift_top_decile as double) as lift_top_decile,
        cast(n_rows as integer) as evaluated_customers,
        cast(n_positive as integer) as churned_customers,
        cast(n_flagged as integer) as flagged_customers,
        cast(positive_rate as double) as churn_rate,
        cast(evaluation_status as varchar) as evaluation_status,
        cast(evaluation_note as varchar) as evaluation_note,
        cast(is_chosen as boolean) as is_chosen
    from {{ ref('py_churn_model_metrics') }}
)

select
    model_name,
    evaluation_snapshot,
    train_first_snapshot,
    train_last_snapshot,
    train_rows,
    train_churned,
    operating_threshold,
    roc_auc,
    pr_auc,
    brier_score,
    precision_at_threshold,
    recall_at_threshold,
    lift_top_decile,
    evaluated_customers,
    churned_customers,
    flagged_customers,
    churn_rate,
    evaluation_status,
    evaluation_note,
    is_chosen
from final
