"""Orchestration: build the customer register, then simulate chunk by chunk and append to the files."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from powerlens.generator import output
from powerlens.generator.billing import ERROR_COMPONENT, ERROR_KINDS, compute_bills
from powerlens.generator.calendar import Period
from powerlens.generator.customers import build_customers, customer_columns, customer_ids
from powerlens.generator.payments import CHANNELS, PAYMENT_TYPES, generate_payments
from powerlens.generator.programmes import PROGRAMMES, generate_enrolments
from powerlens.generator.reference import DEFAULT_SEEDS_DIR, load_reference
from powerlens.generator.service import (ACTION_LABELS, CATEGORIES, TICKET_CHANNELS, TICKET_TYPES,
                                         description_texts, energy_saving_actions, generate_surveys,
                                         generate_tickets)
from powerlens.generator.usage import daily_readings

# Output depends on the chunking (each chunk has its own random stream), so it is fixed, not tuned.
CHUNK_CUSTOMERS = 2_000
# independent random streams, so that changing one table's logic leaves the others unchanged
STREAM_REGISTER, STREAM_PII, STREAM_CHUNK = range(3)


@dataclass
class GeneratorOptions:
    customers: int
    start: str                      # YYYY-MM
    months: int
    seed: int
    out: Path
    file_format: str = "csv"
    interval_months: int = 3
    billing_error_rate: float = 0.003
    seeds_dir: Path = DEFAULT_SEEDS_DIR
    progress: bool = True


def generate(options: GeneratorOptions) -> dict[str, int]:
    """Write every raw table of the contract into options.out; returns rows written per table."""
    started = time.monotonic()
    ref = load_reference(options.seeds_dir)
    period = Period(np.datetime64(options.start, "M"), options.months)
    customers = build_customers(options.customers, period, ref,
                                np.random.default_rng([options.seed, STREAM_REGISTER]))
    out = Path(options.out)
    extension = "parquet" if options.file_format == "parquet" else "csv"
    writers = {name: output.TableWriter(out / f"{name}.{extension}", schema, options.file_format)
               for name, schema in output.SCHEMAS.items()}
    truth = output.TableWriter(out / "_truth" / "planted_bill_errors.csv", output.TRUTH_SCHEMA, "csv")
    background = output.BackgroundWriting()
    try:
        writers["customers"].write(customer_columns(customers, ref, np.random.default_rng([options.seed, STREAM_PII])))
        texts = description_texts()[0]
        chunks = range(0, len(customers), CHUNK_CUSTOMERS)
        for done, first in enumerate(chunks, start=1):
            chunk = customers.take(slice(first, first + CHUNK_CUSTOMERS))
            rng = np.random.default_rng([options.seed, STREAM_CHUNK, first // CHUNK_CUSTOMERS])
            write_chunk(chunk, period, ref, rng, options, writers, truth, texts, background)
            background.end_chunk()
            if options.progress and (done % 5 == 0 or done == len(chunks)):
                print(f"generate: {min(first + CHUNK_CUSTOMERS, len(customers)):,}/{len(customers):,} customers "
                      f"({time.monotonic() - started:.0f}s)", file=sys.stderr, flush=True)
        background.finish()
    finally:
        background.shutdown()
        for writer in [*writers.values(), truth]:
            writer.close()
    rows = {name: writer.rows for name, writer in writers.items()}
    rows["_truth/planted_bill_errors"] = truth.rows
    return rows


def write_chunk(chunk, period: Period, ref, rng, options: GeneratorOptions, writers, truth, texts,
                background: output.BackgroundWriting) -> None:
    ids = customer_ids(chunk.number)
    readings, intervals = daily_readings(chunk, period, ref, rng, options.interval_months)
    background.submit(writers["meter_readings"], {
        "customer_id": pc.take(ids, readings.customer),
        "reading_date": output.dates(readings.day),
        **{f"kwh_{p}": output.scaled_decimal(readings.kwh[:, i], output.ENERGY)
           for i, p in enumerate(("sharp", "peak", "flat", "valley"))},
        "kvarh": output.scaled_decimal(readings.kvarh, output.ENERGY),
        "max_demand_kw": output.scaled_decimal(readings.max_demand, output.ENERGY),
    })
    background.submit(writers["interval_readings"], {
        "customer_id": pc.take(ids, intervals.customer),
        "interval_start": output.timestamps(intervals.start_second),
        "kw": output.scaled_decimal(intervals.kw, output.ENERGY),
    })

    bills = compute_bills(chunk, readings, period, ref, rng, options.billing_error_rate)
    months_since_1970 = period.start_month.astype(np.int64) + bills.month
    year_month = (months_since_1970 // 12 + 1970) * 100 + months_since_1970 % 12 + 1
    bill_ids = output.prefixed_ids("B", (chunk.number[bills.customer], 8), (year_month, 6))
    month_labels = period.month_labels()
    background.submit(writers["bills"], {
        "bill_id": bill_ids,
        "customer_id": pc.take(ids, bills.customer),
        "billing_month": output.codes(month_labels, bills.month),
        "issue_date": output.dates(bills.issue_day),
        "due_date": output.dates(bills.due_day),
        "kwh_total": output.scaled_decimal(bills.kwh_total, output.ENERGY),
        "power_factor": output.scaled_decimal(np.maximum(bills.power_factor, 0), pa.decimal128(4, 2),
                                              bills.power_factor >= 0),
        "basic_charge": output.scaled_decimal(bills.basic, output.MONEY),
        "energy_charge": output.scaled_decimal(bills.energy, output.MONEY),
        "pf_adjustment": output.scaled_decimal(bills.pf_adjustment, output.MONEY),
        "surcharge": output.scaled_decimal(bills.surcharge, output.MONEY),
        "total_amount": output.scaled_decimal(bills.total, output.MONEY),
    })
    planted = np.flatnonzero(bills.error_kind >= 0)
    background.submit(truth, {
        "bill_id": pc.take(bill_ids, planted),
        "error_kind": output.codes(ERROR_KINDS, bills.error_kind[planted]),
        "component": output.codes([ERROR_COMPONENT[k] for k in ERROR_KINDS], bills.error_kind[planted]),
    })

    # a spawned stream: changing how payments are drawn leaves the later tables' values alone
    payments = generate_payments(chunk, bills, period, rng.spawn(1)[0])
    background.submit(writers["payments"], {
        "payment_id": output.prefixed_ids("P", (chunk.number[payments.customer], 8),
                                          (sequence_within(payments.customer), 4)),
        "customer_id": pc.take(ids, payments.customer),
        "bill_id": pc.take(bill_ids, pa.array(np.maximum(payments.bill, 0), mask=payments.bill < 0)),
        "paid_at": output.timestamps(payments.paid_second),
        "amount": output.scaled_decimal(payments.amount, output.MONEY),
        "channel": output.codes(CHANNELS, payments.channel),
        "payment_type": output.codes(PAYMENT_TYPES, payments.payment_type),
    })

    tickets = generate_tickets(chunk, period, rng)
    background.submit(writers["service_tickets"], {
        "ticket_id": output.prefixed_ids("T", (chunk.number[tickets.customer], 8),
                                         (sequence_within(tickets.customer), 4)),
        "customer_id": pc.take(ids, tickets.customer),
        "channel": output.codes(TICKET_CHANNELS, tickets.channel),
        "ticket_type": output.codes(TICKET_TYPES, tickets.ticket_type),
        "category": output.codes(CATEGORIES, tickets.category),
        "created_at": output.timestamps(tickets.created),
        "first_response_at": output.timestamps(tickets.first_response, tickets.first_response >= 0),
        "resolved_at": output.timestamps(tickets.resolved, tickets.resolved >= 0),
        "satisfaction": pa.array(tickets.satisfaction, mask=tickets.satisfaction == 0),
        "description": output.codes(texts, tickets.description),
    })

    surveys = generate_surveys(chunk, tickets, period, rng)
    # a spawned stream: the tables drawn after the surveys keep their values
    actions, asked = energy_saving_actions(chunk, surveys, ref.tariff_index("res_tou"), rng.spawn(1)[0])
    survey_date = surveys.day.astype("datetime64[D]")
    yyyymmdd = (survey_date.astype("datetime64[Y]").astype(np.int64) + 1970) * 10_000 \
        + (survey_date.astype("datetime64[M]").astype(np.int64) % 12 + 1) * 100 \
        + (survey_date - survey_date.astype("datetime64[M]")).astype(np.int64) + 1
    background.submit(writers["surveys"], {
        "survey_id": output.prefixed_ids("S", (chunk.number[surveys.customer], 8), (yyyymmdd, 8)),
        "customer_id": pc.take(ids, surveys.customer),
        "survey_date": output.dates(surveys.day),
        **{name: pa.array(surveys.scores[:, i])
           for i, name in enumerate(("overall", "reliability", "power_quality", "billing", "staff", "channels"))},
        "energy_saving_actions": output.codes(ACTION_LABELS, actions, asked),
    })

    enrolments = generate_enrolments(chunk, period, ref, rng)
    background.submit(writers["programme_enrollments"], {
        "customer_id": pc.take(ids, enrolments.customer),
        "programme": output.codes(PROGRAMMES, enrolments.programme),
        "enrolled_date": output.dates(enrolments.day),
    })


def sequence_within(group: np.ndarray) -> np.ndarray:
    """1, 2, 3 ... within runs of equal values of a sorted array (per-customer id counters)."""
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    run_lengths = np.diff(np.r_[starts, len(group)])
    return np.arange(len(group)) - np.repeat(starts, run_lengths) + 1

