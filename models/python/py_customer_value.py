from powerlens.scoring.value import score_customer_value


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = dbt.ref("int_value__customer_value_inputs").order("customer_id").df()
    return score_customer_value(inputs)
