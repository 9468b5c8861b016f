"""Arrow conversion helpers and the writers that append chunks to one file per raw table."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from powerlens import contract

MONEY = pa.decimal128(18, 2)
ENERGY = pa.decimal128(14, 2)

# The Arrow type the generator writes for each contract type (powerlens.contract, read from the
# sources yml). Parquet keeps these types; CSV renders them as the contract's text (decimals with
# 2 places, ISO dates and timestamps, true/false, billing months as YYYY-MM).
ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "double": ENERGY,
    "money": MONEY,
    "power_factor": pa.decimal128(4, 2),
    "integer": pa.int64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
    "month": pa.string(),
}
# Numbers the generator writes in another form than 2 decimals: supply voltages as the usual
# figures (0.22, 0.4, 10 ...) and contracted capacity in whole kVA.
ARROW_TYPE_OVERRIDES: dict[tuple[str, str], pa.DataType] = {
    ("customers", "voltage_kv"): pa.float64(),
    ("customers", "contract_capacity_kva"): pa.int64(),
}


def contract_schema(table: contract.ContractTable) -> pa.Schema:
    """The Arrow schema of one raw table: the contract's columns in file order, typed for writing."""
    return pa.schema([(column.name, ARROW_TYPE_OVERRIDES.get((table.name, column.name), ARROW_TYPES[column.type]))
                      for column in table.columns])


# Column order and types of every raw table of the contract.
SCHEMAS: dict[str, pa.Schema] = {name: contract_schema(table) for name, table in contract.RAW_TABLES.items()}
TRUTH_SCHEMA = pa.schema([("bill_id", pa.string()), ("error_kind", pa.string()), ("component", pa.string())])


def scaled_decimal(values: np.ndarray, arrow_type: pa.Decimal128Type, valid: np.ndarray | None = None) -> pa.Array:
    """Integers in units of 10**-scale (cents, centi-kWh) as an exact decimal array, without a copy per value."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = values >> 63  # two's complement sign extension into the high 64 bits
    validity = None
    null_count = 0
    if valid is not None and not valid.all():
        validity = pa.py_buffer(np.packbits(valid.astype(np.uint8), bitorder="little"))
        null_count = int((~valid).sum())
    return pa.Array.from_buffers(arrow_type, len(values), [validity, pa.py_buffer(words)], null_count)


def codes(labels: tuple[str, ...] | list[str], index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Strings picked from `labels` by integer index (null where not valid)."""
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pc.take(pa.array(list(labels), pa.string()), pa.array(np.asarray(index, dtype=np.int64), mask=mask))


def prefixed_ids(prefix: str, *numbers: tuple[np.ndarray, int]) -> pa.Array:
    """Ids like C00000042 or B00000042202401: a prefix and zero-padded integer parts."""
    parts = [pc.utf8_lpad(pc.cast(pa.array(np.asarray(n, dtype=np.int64)), pa.string()), width, padding="0")
             for n, width in numbers]
    return pc.binary_join_element_wise(pa.scalar(prefix), *parts, "")


def join_strings(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(np.asarray(days, dtype=np.int64).astype("int32"), type=pa.int32(), mask=mask).cast(pa.date32())


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(np.asarray(seconds, dtype=np.int64), type=pa.int64(), mask=mask).cast(pa.timestamp("s"))


class BackgroundWriting:
    """Writes in one background thread (pyarrow releases the GIL) while the next chunk is computed.

    At most the previous chunk's writes are pending when a new chunk is submitted, which bounds
    memory to about two chunks; one thread keeps every file's rows in submission order.
    """

    def __init__(self):
        self._executor = ThreadPoolExecutor(max_workers=1)
        self._pending: list = []
        self._current: list = []

    def submit(self, writer: "TableWriter", columns: dict[str, pa.Array]) -> None:
        self._current.append(self._executor.submit(writer.write, columns))

    def end_chunk(self) -> None:
        for future in self._pending:
            future.result()
        self._pending, self._current = self._current, []

    def finish(self) -> None:
        """Wait for every write and raise the first error, if any."""
        self.end_chunk()
        self.end_chunk()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class TableWriter:
    """Appends record batches of one table to DIR/<table>.csv or .parquet (bounded memory)."""

    def __init__(self, path: Path, schema: pa.Schema, file_format: str):
        self.path = path
        self.schema = schema
        self.file_format = file_format
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        if file_format == "parquet":
            # decimals stored as plain integers and dictionaries only for text: several times faster to
            # write than the defaults, and DuckDB reads both as the same decimal and varchar types
            text_columns = [f.name for f in schema if pa.types.is_string(f.type)]
            self._writer = pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=text_columns,
                                            store_decimal_as_integer=True)
        else:
            self._handle = open(path, "wb")
            self._handle.write((",".join(schema.names) + "\n").encode("utf-8"))
            self._writer = pacsv.CSVWriter(self._handle, schema,
                                           write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"))

    def write(self, columns: dict[str, pa.Array]) -> None:
        table = pa.table([columns[name] for name in self.schema.names], schema=self.schema)
        if table.num_rows:
            self._writer.write_table(table)
            self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()
        if self.file_format != "parquet":
            self._handle.close()
