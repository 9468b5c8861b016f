"""Chapter 1 marts against figures worked out independently from the raw files: the masked
customer dimension, monthly customer counts with year-on-year growth, and demand traits
(PV adoption, service needs, price sensitivity)."""
from __future__ import annotations

import re
import duckdb
import numpy as np
import pytest

# the warehouse with the raw files attached, and the query helper, are shared with chapter 2
from test_ch2_consumption import con, rows  # noqa: F401  (con is a pytest fixture)


def test_dim_customers_masks_every_pii_field(con):
    pairs = rows(con, """
        select raw.customer_name, raw.phone, raw.address,
               dim.customer_name_masked, dim.phone_masked, dim.address_masked
        from raw_customers as raw inner join marts.dim_customers as dim using (customer_id)""")
    assert len(pairs) == rows(con, "select count(*) from raw_customers")[0][0]
    for name, phone, address, name_masked, phone_masked, address_masked in pairs:
        assert name_masked == name[0] + "**"
        assert phone_masked == phone[:3] + "****" + phone[-4:]
        assert address.startswith(address_masked) and len(address_masked) < len(address)
        assert re.fullmatch(r"江川市\S+?(区|县|市)", address_masked), address_masked
    # no raw value survives anywhere in the dimension
    text_columns = [name for name, data_type in rows(con, "select column_name, column_type from (describe marts.dim_customers)")
                    if data_type == "VARCHAR"]
    for column in text_columns:
        leaked = rows(con, f"""select count(*) from marts.dim_customers as dim inner join raw_customers as raw
                               on dim."{column}" in (raw.customer_name, raw.phone, raw.address)""")
        assert leaked == [(0,)], column


def test_monthly_counts_match_raw_open_and_close_dates(con):
    differences = rows(con, """
        with raw_counts as (
            select m.month_start,
                   count(*) filter (where cast(c.open_date as date) <= m.month_end
                                    and (c.close_date is null or cast(c.close_date as date) > m.month_end)) as active,
                   count(*) filter (where cast(c.open_date as date) between m.month_start and m.month_end) as opened,
                   count(*) filter (where cast(c.close_date as date) between m.month_start and m.month_end) as closed
            from report_months as m cross join raw_customers as c group by all)
        select raw_counts.month_start
        from raw_counts full outer join (
            select * from marts.mart_ch1_customer_counts_monthly where breakdown = 'all') as mart
            on mart.report_month = raw_counts.month_start
        where mart.active_customers is distinct from raw_counts.active
           or mart.new_customers is distinct from raw_counts.opened
           or mart.closed_customers is distinct from raw_counts.closed""")
    assert differences == []
    growth = rows(con, """
        select this_year.active_customers, last_year.active_customers, this_year.active_customers_yoy_growth
        from marts.mart_ch1_customer_counts_monthly as this_year
        inner join marts.mart_ch1_customer_counts_monthly as last_year
            on last_year.report_month = this_year.report_month - interval 12 month
            and last_year.breakdown = this_year.breakdown and last_year.breakdown_value = this_year.breakdown_value
        where this_year.breakdown = 'all'""")
    assert len(growth) >= 12
    for active, active_last_year, yoy in growth:
        assert yoy == pytest.approx(active / active_last_year - 1)


def test_every_breakdown_is_reported(con):
    # that each breakdown adds up to the whole base is the dbt test assert_customer_breakdowns_add_up
    breakdowns = {b for (b,) in rows(con, "select distinct breakdown from marts.mart_ch1_customer_counts_monthly")}
    assert breakdowns == {"all", "urban_rural", "sector", "customer_type", "region_code"}


def test_demand_traits_load_pv_adoption_and_service_needs(con):
    data_end = rows(con, "select max(month_end) from report_months")[0][0]
    raw = {customer_type: (active, with_pv) for customer_type, active, with_pv in rows(con, f"""
        select customer_type,
               count(*) filter (where close_date is null or cast(close_date as date) > date '{data_end}'),
               count(*) filter (where (close_date is null or cast(close_date as date) > date '{data_end}')
                                and has_pv = 'true')
        from raw_customers group by 1""")}
    # exposure: months of the data period each customer was open on at least one day
    tickets = dict(rows(con, """
        with exposure as (
            select c.customer_type, count(*) / 12.0 as customer_years
            from raw_customers as c inner join report_months as m
                on cast(c.open_date as date) <= m.month_end
                and (c.close_date is null or cast(c.close_date as date) >= m.month_start)
            group by 1),
        ticket_counts as (
            select c.customer_type, count(*) as tickets
            from raw_service_tickets as t inner join raw_customers as c using (customer_id) group by 1)
        select exposure.customer_type, coalesce(tickets, 0) * 1000.0 / customer_years
        from exposure left join ticket_counts using (customer_type)"""))
    load_factors = dict(rows(con, "select customer_type, avg(load_factor) from marts.mart_ch2_load_character where not max_load_below_mean_load group by 1"))
    traits = rows(con, """select customer_type, active_customers, pv_adoption_rate, tickets_per_1000_customer_years,
                                 mean_load_factor
                          from marts.mart_ch1_demand_traits""")
    assert {t for t, *_ in traits} == {"large_industrial", "general_commercial", "residential", "agricultural", "ev_charging"}
    for customer_type, active, pv_rate, ticket_rate, load_factor in traits:
        assert load_factor == pytest.approx(load_factors[customer_type])
        raw_active, raw_with_pv = raw[customer_type]
        assert active == raw_active
        assert pv_rate == pytest.approx(raw_with_pv / raw_active)
        assert ticket_rate == pytest.approx(tickets[customer_type])


def test_price_sensitivity_is_the_slope_of_peak_share_on_spread(con):
    customers = rows(con, """
        select c.customer_id, t.price_peak - t.price_valley,
               sum(r.kwh_sharp + r.kwh_peak) / sum(r.kwh_sharp + r.kwh_peak + r.kwh_flat + r.kwh_valley)
        from raw_customers as c
        inner join seed_tariffs as t on t.tariff_code = c.tariff_code
        inner join raw_meter_readings as r using (customer_id)
        where c.customer_type = 'residential'
        group by all
        having sum(r.kwh_sharp + r.kwh_peak + r.kwh_flat + r.kwh_valley) > 0""")
    spreads = np.array([float(spread) for _, spread, _ in customers])
    shares = np.array([share for _, _, share in customers])
    assert len(set(spreads)) == 2  # res_flat and res_tou
    slope = np.polyfit(spreads, shares, 1)[0]
    mart = rows(con, """select on_peak_share_change_per_0_10_yuan_spread from marts.mart_ch1_demand_traits
                        where customer_type = 'residential'""")[0][0]
    assert mart == pytest.approx(slope * 0.10, rel=1e-6)
