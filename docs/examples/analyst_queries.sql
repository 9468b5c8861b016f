-- Analyst queries on the published warehouse: questions the report's readers ask, answered from
-- the marts. Paste one into a SQL client that opens warehouse/current/powerlens.duckdb read-only (a running
-- build is never blocked): the DuckDB CLI's `duckdb -readonly warehouse/current/powerlens.duckdb`, or
-- Python's `duckdb.connect('warehouse/current/powerlens.duckdb', read_only=True).sql(query)`.
-- Each query starts with a "-- name:" line; tests/python/test_analyst_queries.py runs every one
-- against a published sample and checks its answer against the marts.

-- name: customers_by_type_and_area
-- Chapter 1: active customers by type and urban/rural, with the Chinese labels.
select
    customer_type_label_zh,
    urban_rural_label_zh,
    count(*) as active_customers
from marts.dim_customers
where is_active
group by all
order by active_customers desc;

-- name: kwh_by_type_last_12_months_against_the_year_before
-- Chapter 2: kWh by customer type over the last 12 months with readings, against the 12 before.
with months as (
    select max(usage_month) as last_month from marts.fct_monthly_usage
)
select
    usage.customer_type,
    sum(usage.kwh_total) filter (where usage.usage_month > months.last_month - interval 12 month) as kwh_last_12m,
    sum(usage.kwh_total) filter (where usage.usage_month <= months.last_month - interval 12 month
                                   and usage.usage_month > months.last_month - interval 24 month) as kwh_year_before,
    round(kwh_last_12m / nullif(kwh_year_before, 0) - 1, 4) as growth
from marts.fct_monthly_usage as usage
cross join months
group by usage.customer_type
order by kwh_last_12m desc;

-- name: arrears_by_ageing_at_the_latest_month_end
-- Chapter 3: the debt at the latest month end by how old its oldest part is, in yuan.
select
    month_end,
    sum(arrears_amount) as arrears_amount,
    sum(arrears_amount_1_30) as arrears_1_30_days,
    sum(arrears_amount_31_60) as arrears_31_60_days,
    sum(arrears_amount_61_90) as arrears_61_90_days,
    sum(arrears_amount_over_90) as arrears_over_90_days,
    sum(active_customers_in_arrears) as active_customers_in_arrears
from marts.mart_ch3_arrears_monthly
where month_end = (select max(month_end) from marts.mart_ch3_arrears_monthly)
group by month_end;

-- name: complaint_categories_that_make_80_percent
-- Chapter 4: the "vital few" complaint categories.
select category, complaints, share_of_complaints, cumulative_share
from marts.mart_ch4_complaint_pareto
where is_vital_few
order by pareto_rank;

-- name: retention_calls_worth_making_first
-- Chapter 5: the customers to call first, by what keeping them is worth to the utility.
select
    customer_id,
    risk_tier,
    round(churn_probability, 3) as churn_probability,
    retention_action,
    revenue_at_risk_yuan,
    net_value_to_utility_yuan,
    customer_benefit_yuan_per_year
from marts.mart_ch5_retention_plan
where worth_doing
order by priority_rank
limit 20;

-- name: offers_in_yuan
-- Chapter 6: the offers the utility can make, and what they are worth a year.
select
    offer,
    beneficiary,
    count(*) as customers,
    sum(yuan_per_year) as yuan_per_year
from marts.mart_ch6_offers
group by all
order by yuan_per_year desc;
