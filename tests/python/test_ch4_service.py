"""Chapter 4 (service satisfaction) marts on the session's built warehouse.

Repeat complaints and commitment results are recomputed here from the staged tickets with
pandas, independently of the SQL; the targets are the documented defaults (docs/ch4_service.md).
"""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

CHAPTER_4_MARTS = [
    "fct_service_tickets", "mart_ch4_channel_usage_monthly", "mart_ch4_service_commitments",
    "mart_ch4_response_times", "mart_ch4_complaint_pareto", "mart_ch4_complaint_rates",
    "mart_ch4_survey_scores", "mart_ch4_experience_outcomes",
]
ONLINE = {"website", "app", "wechat"}


@pytest.fixture(scope="module")
def warehouse(built_warehouse):
    con = duckdb.connect(str(built_warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def tickets(warehouse) -> pd.DataFrame:
    return warehouse.execute("""
        select t.*, c.urban_rural
        from staging.stg_service__service_tickets t
        left join staging.stg_cis__customers c using (customer_id)""").df()


@pytest.mark.parametrize("mart", CHAPTER_4_MARTS)
def test_every_chapter_4_mart_has_rows(warehouse, mart):
    assert warehouse.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, f"{mart} is empty"


def test_one_fact_row_per_staged_ticket_with_the_right_channel_group(warehouse, tickets):
    facts = warehouse.execute("select ticket_id, channel, channel_group from marts.fct_service_tickets").df()
    assert len(facts) == len(tickets) == facts["ticket_id"].nunique()
    expected = facts["channel"].map(lambda channel: "online" if channel in ONLINE else "offline")
    assert (expected == facts["channel_group"]).all()


def test_repeat_complaints_match_an_independent_recount(warehouse, tickets):
    complaints = tickets[tickets["ticket_type"] == "complaint"].sort_values(["created_at", "ticket_id"])
    complaints = complaints.assign(created_date=pd.to_datetime(complaints["created_at"]).dt.normalize())
    previous = complaints.groupby(["customer_id", "category"])["created_date"].shift()
    expected = set(complaints.loc[(complaints["created_date"] - previous).dt.days <= 30, "ticket_id"])
    got = set(warehouse.execute(
        "select ticket_id from marts.fct_service_tickets where is_repeat_complaint").df()["ticket_id"])
    assert got == expected
    assert not warehouse.execute("select count(*) from marts.fct_service_tickets "
                                 "where is_repeat_complaint and ticket_type <> 'complaint'").fetchone()[0]


def test_fault_arrival_share_met_matches_an_independent_recount(warehouse, tickets):
    faults = tickets[tickets["ticket_type"] == "fault_repair"]
    minutes = (pd.to_datetime(faults["first_response_at"]) - pd.to_datetime(faults["created_at"])).dt.total_seconds() / 60
    target = faults["urban_rural"].map({"urban": 45, "rural": 90})
    met = (minutes <= target).groupby(faults["urban_rural"]).mean()
    mart = warehouse.execute("""
        select urban_rural, share_met, tickets from marts.mart_ch4_service_commitments
        where commitment = 'fault_arrival'""").df().set_index("urban_rural")
    for area, share in met.items():
        assert mart.loc[area, "share_met"] == pytest.approx(share)
    assert mart["tickets"].sum() == len(faults)


def test_commitment_percentiles_are_ordered(warehouse):
    rows = warehouse.execute("""
        select commitment, urban_rural, measure_p50, measure_p90, share_met from marts.mart_ch4_service_commitments""").df()
    assert set(rows["commitment"]) == {"fault_arrival", "fault_restore", "complaint_contact", "complaint_reply"}
    assert (rows["measure_p50"] <= rows["measure_p90"]).all()
    assert rows["share_met"].between(0, 1).all()


def test_complaint_pareto_is_descending_and_sums_to_one(warehouse):
    pareto = warehouse.execute("select * from marts.mart_ch4_complaint_pareto order by pareto_rank").df()
    assert pareto["complaints"].is_monotonic_decreasing
    assert pareto["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert pareto["is_vital_few"].iloc[0]


def test_complaint_rates_count_every_complaint_once(warehouse):
    in_mart, in_facts = warehouse.execute("""
        select (select sum(complaints) from marts.mart_ch4_complaint_rates),
               (select count(*) from marts.fct_service_tickets where ticket_type = 'complaint')""").fetchone()
    assert in_mart == in_facts
    rates = warehouse.execute("""
        select complaints, customer_years, complaints_per_1000_customers_per_year
        from marts.mart_ch4_complaint_rates""").df()
    expected = 1000 * rates["complaints"] / rates["customer_years"]
    assert ((expected - rates["complaints_per_1000_customers_per_year"]).abs() < 1e-9).all()


def test_survey_scores_cover_every_dimension_within_range(warehouse):
    scores = warehouse.execute("select dimension, average_score from marts.mart_ch4_survey_scores").df()
    assert set(scores["dimension"]) == {"overall", "reliability", "power_quality", "billing", "staff", "channels"}
    assert scores["average_score"].between(1, 10).all()


def test_experience_bands_cover_every_snapshot_once(warehouse):
    bands = warehouse.execute("select * from marts.mart_ch4_experience_outcomes").df()
    assert set(bands["experience_band"]) <= {"no_contact", "poor", "neutral", "good"}
    assert {"no_contact", "poor"} <= set(bands["experience_band"])
    assert bands["later_arrears_rate"].between(0, 1).all() and bands["later_closure_rate"].between(0, 1).all()
