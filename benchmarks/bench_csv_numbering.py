"""What numbering CSV rows costs DuckDB (docs/benchmarks.md, "Why CSV input misses 180 s").

Staging must give every raw row its row number in its file (a rejected row is reported by file,
row and column). Parquet carries the number (`file_row_number`); DuckDB's CSV reader has no such
column, so staging numbers CSV rows `with ordinality`, and an ordered numbering keeps the whole
pipeline above the scan (the parsing and typing of every value) on one thread. This script times
the same typing work over one CSV file four ways:

- numbered with ordinality (what staging does);
- not numbered (what the two cores could do; it gives no row numbers, so staging cannot use it);
- numbered with `row_number() over ()` (the other ordered numbering DuckDB offers);
- copied in file order into a table first, whose rowid then numbers the rows (a parallel read
  plus one extra write of every raw value), then typed from that table.

    .venv/bin/powerlens generate --customers 20000 --months 24 --out /tmp/csv20k --quiet
    .venv/bin/python benchmarks/bench_csv_numbering.py /tmp/csv20k/meter_readings.csv
"""
from __future__ import annotations

import argparse
import json
import time

import duckdb

# a share of what staging does to each value: a tolerant number parse of two readings, a date
TYPING = ("sum(try_cast(regexp_replace(kwh_peak, '[, ]', '', 'g') as double)), "
          "sum(try_cast(regexp_replace(kwh_valley, '[, ]', '', 'g') as double)), "
          "count(try_strptime(reading_date, '%Y-%m-%d'))")


def timed(con: duckdb.DuckDBPyConnection, sql: str, rows: int | None = None) -> float:
    """Seconds of one query; a numbering query's first column, its highest number, must be the
    file's row count (a numbering that skipped or repeated a row would not be worth timing)."""
    started = time.perf_counter()
    result = con.execute(sql).fetchone()
    seconds = round(time.perf_counter() - started, 2)
    if rows is not None and result[0] != rows:
        raise SystemExit(f"numbering gave {result[0]} as the last row number of {rows} rows: {sql}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="a meter_readings.csv of the raw contract")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    reader = f"read_csv('{args.csv}', header=true, all_varchar=true, filename=true)"
    con = duckdb.connect()
    con.execute(f"set threads = {args.threads}")
    con.execute("set preserve_insertion_order = false")
    rows = con.execute(f"select count(*) from {reader}").fetchone()[0]
    seconds = {
        "numbered_with_ordinality": timed(
            con, f"select max(ordinality), {TYPING} from {reader} with ordinality", rows),
        "not_numbered": timed(con, f"select {TYPING} from {reader}"),
        "numbered_with_row_number": timed(
            con, f"select max(row_number), {TYPING} from "
                 f"(select row_number() over () as row_number, * from {reader})", rows),
    }
    con.execute("set preserve_insertion_order = true")
    copy = timed(con, f"create temp table raw_rows as select * from {reader}")
    typing = timed(con, f"select max(rowid) + 1, {TYPING} from raw_rows", rows)
    seconds["copied_in_order_then_rowid"] = round(copy + typing, 2)
    seconds["copied_in_order_then_rowid_parts"] = {"copy": copy, "typing": typing}
    print(json.dumps({"benchmark": "csv_numbering", "csv": args.csv, "rows": rows,
                      "threads": args.threads, "duckdb_version": duckdb.__version__,
                      "seconds": seconds}, indent=2))


if __name__ == "__main__":
    main()
