from powerlens.scoring.profile import high_value_profile


def model(dbt, session):
    dbt.config(materialized="table")
    return high_value_profile(dbt.ref("py_customer_value").order("customer_id").df())
