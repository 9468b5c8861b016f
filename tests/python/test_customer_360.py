"""The customer-360 view: fct_customer_360_monthly adds up to the facts it joins, and
`powerlens customer ID` prints one customer's story, masked, from a published warehouse."""
from __future__ import annotations

import duckdb
import pytest

from conftest import bin_path, run_command
from test_pipeline import published_sample


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, sample_raw_dir):
    return published_sample(tmp_path_factory, sample_raw_dir)


@pytest.fixture(scope="module")
def con(warehouse):
    with duckdb.connect(str(warehouse / "current" / "powerlens.duckdb"), read_only=True) as connection:
        yield connection


def test_the_monthly_view_adds_up_to_the_facts_it_joins(con):
    view = con.execute("""
        select sum(billed_yuan), sum(paid_yuan), sum(complaints), sum(kwh_total)
        from marts.fct_customer_360_monthly""").fetchone()
    months = "(select min(report_month) from marts.fct_customer_360_monthly) and " \
             "(select max(report_month) from marts.fct_customer_360_monthly)"
    facts = con.execute(f"""
        select
            (select sum(total_amount) from marts.fct_bills where billing_month between {months}),
            (select sum(amount) from marts.fct_payments where paid_month between {months}),
            (select count(*) from marts.fct_service_tickets where ticket_type = 'complaint'
                and created_month between {months}),
            (select sum(kwh_total) from marts.fct_monthly_usage where usage_month between {months})
    """).fetchone()
    assert view == facts


def customer_with_a_full_story(con) -> str:
    """A customer who fell into arrears, complained and has an offer."""
    found = con.execute("""
        select story.customer_id
        from marts.fct_customer_360_monthly as story
        where story.customer_id in (select customer_id from marts.mart_ch6_offers)
        group by story.customer_id
        having sum(story.complaints) > 0 and bool_or(story.is_in_arrears)
        order by story.customer_id
        limit 1""").fetchone()
    assert found, "the sample has no customer in arrears with a complaint and an offer"
    return found[0]


def test_the_page_tells_the_customers_story_masked(warehouse, con):
    customer_id = customer_with_a_full_story(con)
    page = run_command([bin_path("powerlens"), "customer", customer_id, "--warehouse",
                        str(warehouse), "--months", "36"]).stdout
    # the unmasked values live only in the restricted file (the data team's, 0600)
    with duckdb.connect(str(warehouse / "powerlens.duckdb"), read_only=True) as restricted:
        name, phone = restricted.execute("select customer_name, phone from staging.stg_cis__customers "
                                         "where customer_id = ?", [customer_id]).fetchone()
    masked_name, masked_phone = con.execute(
        "select customer_name_masked, phone_masked from marts.dim_customers where customer_id = ?",
        [customer_id]).fetchone()
    assert masked_name in page and masked_phone in page
    assert name not in page and phone not in page
    last = con.execute("""
        select past_due_at_month_end_yuan from marts.fct_customer_360_monthly
        where customer_id = ? and outstanding_at_month_end_yuan is not null
        order by report_month desc limit 1""", [customer_id]).fetchone()[0]
    assert f"past due {float(last):,.2f} yuan" in page
    complaints = con.execute("select sum(complaints) from marts.fct_customer_360_monthly "
                             "where customer_id = ?", [customer_id]).fetchone()[0]
    month_rows = [line for line in page.splitlines() if line[:4].isdigit() and line[4] == "-"]
    assert sum(int(line.split()[-2]) for line in month_rows) == complaints
    offers = con.execute("select count(*) from marts.mart_ch6_offers where customer_id = ?",
                         [customer_id]).fetchone()[0]
    assert sum(line.strip().startswith("offer ") for line in page.splitlines()) == offers
    assert "Churn risk" in page


def test_an_unknown_customer_is_a_clear_error(warehouse):
    result = run_command([bin_path("powerlens"), "customer", "NO_SUCH_ID", "--warehouse",
                          str(warehouse)], check=False)
    assert result.returncode == 2
    assert "no customer 'NO_SUCH_ID'" in result.stderr
