"""Preflight of the raw export files, before anything reads them with SQL.

File-level defects (wrong encoding, byte-order mark, missing or extra columns, an empty or
header-only file, a truncated last line) are found here and reported naming the file, the line,
the data row and the column. Row-level defects (a bad number, an unknown code, a duplicate key ...)
are staging's job: those rows go to the rejected models with a reason.

When a file is usable after a lossless rewrite (a declared non-UTF-8 encoding, a BOM, columns
outside the contract), ``normalise`` writes a UTF-8 copy into the run's own raw folder, keeping
every data row on the same row number, and links the untouched files next to it, so the
exporter's files are never modified.
"""
from __future__ import annotations

import codecs
import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

from powerlens.quality.raw_contract import RAW_TABLES, RawTable

UTF8_BOM = codecs.BOM_UTF8
READ_CHUNK_BYTES = 16 * 1024 * 1024
TAIL_BYTES = 64 * 1024
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet",)


@dataclass(frozen=True)
class Finding:
    """One preflight observation. ``severity`` is "error" (the run stops) or "warn" (recorded)."""

    severity: str
    check: str
    file: str
    message: str
    line: int | None = None
    row: int | None = None
    column: str | None = None

    def describe(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"data row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class RawFile:
    """A raw file found for a contract table and what normalising it needs."""

    table: RawTable
    path: Path
    encoding: str = "utf-8"
    has_bom: bool = False
    header: list[str] = field(default_factory=list)

    @property
    def extra_columns(self) -> list[str]:
        return [name for name in self.header if name not in self.table.columns]

    @property
    def needs_rewrite(self) -> bool:
        return self.encoding.lower().replace("_", "-") not in ("utf-8", "utf8") or self.has_bom \
            or bool(self.extra_columns)


@dataclass
class PreflightReport:
    findings: list[Finding] = field(default_factory=list)
    files: list[RawFile] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warn"]


def find_table_files(raw_dir: Path, table: str) -> list[Path]:
    """The files of one table, by the patterns the sources read (var `raw_file_reader` in
    dbt_project.yml): `<table>.csv`, part files `<table>_part*.csv`, a folder `<table>/`."""
    candidates: set[Path] = set()
    for suffix in CSV_SUFFIXES + PARQUET_SUFFIXES:
        for pattern in (f"{table}{suffix}", f"{table}_part*{suffix}", f"{table}/*{suffix}"):
            candidates.update(raw_dir.glob(pattern))
    return sorted(candidates)


def resolve_encoding(table: str, encodings: dict[str, str]) -> str:
    """The declared encoding for a table: a per-table entry, else the default ("*"), else UTF-8."""
    return encodings.get(table) or encodings.get("*") or "utf-8"


def preflight(raw_dir: Path, encodings: dict[str, str] | None = None,
              checked_before: frozenset[Path] = frozenset()) -> PreflightReport:
    """Check every contract table's files in ``raw_dir``; never raises for a defect in the data.

    A CSV file in ``checked_before`` (the same bytes passed this check in the last published
    build: powerlens.pipeline.raw_files) gets its header read again but not the full pass over
    its bytes, so a monthly run scans only the new months' files."""
    encodings = encodings or {}
    report = PreflightReport()
    if not raw_dir.is_dir():
        report.findings.append(Finding("error", "raw_folder", str(raw_dir),
                                       "raw folder does not exist"))
        return report
    for table in RAW_TABLES.values():
        paths = find_table_files(raw_dir, table.name)
        if not paths:
            severity = "error" if table.required else "warn"
            report.findings.append(Finding(
                severity, "file_present", str(raw_dir / f"{table.name}.csv"),
                f"no file for table {table.name} (expected {table.name}.csv, "
                f"{table.name}_part*.csv or {table.name}/*.csv, or the same as .parquet)"))
            continue
        for path in paths:
            raw_file = RawFile(table, path, encoding=resolve_encoding(table.name, encodings))
            if path.suffix in PARQUET_SUFFIXES:
                findings = _check_parquet(raw_file)
            else:
                findings = _check_csv(raw_file, full_scan=path not in checked_before)
            report.findings.extend(findings)
            report.files.append(raw_file)
    return report


def _check_parquet(raw_file: RawFile) -> list[Finding]:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(raw_file.path)
    except Exception as exc:  # a corrupt or truncated Parquet file: say so, do not crash
        return [Finding("error", "parquet_readable", str(raw_file.path),
                        f"not a readable Parquet file ({exc})")]
    raw_file.header = list(schema.names)
    return _check_header(raw_file, line=None)


def _check_csv(raw_file: RawFile, full_scan: bool = True) -> list[Finding]:
    path = raw_file.path
    if path.stat().st_size == 0:
        return [Finding("error", "file_not_empty", str(path),
                        "file is empty: no header and no rows")]
    with path.open("rb") as handle:
        head = handle.read(TAIL_BYTES)
    raw_file.has_bom = head.startswith(UTF8_BOM)
    findings: list[Finding] = []
    if raw_file.has_bom:
        findings.append(Finding("warn", "byte_order_mark", str(path),
                                "UTF-8 byte-order mark removed before loading", line=1))

    # The whole file must decode in the declared encoding; the pass also counts lines.
    if full_scan:
        decode_error, line_count, ends_with_newline = _scan_encoding(raw_file)
        if decode_error is not None:
            findings.append(decode_error)
            return findings

    header_line = _decode_line(head.split(b"\n", 1)[0], raw_file)
    if not header_line.strip():
        return findings + [Finding("error", "file_not_empty", str(path),
                                   "file has no header line (first line is blank)", line=1)]
    raw_file.header = next(csv.reader([header_line]))
    header_findings = _check_header(raw_file, line=1)
    findings.extend(header_findings)
    if any(f.severity == "error" for f in header_findings):
        return findings

    if not full_scan:
        return findings
    data_lines = line_count - 1
    if data_lines <= 0 or _only_blank_after_header(path, head):
        severity = "error" if raw_file.table.required else "warn"
        findings.append(Finding(severity, "has_rows", str(path),
                                "file has a header but no data rows"))
        return findings
    if not ends_with_newline:
        truncation = _check_last_line(raw_file, line_count)
        if truncation is not None:
            findings.append(truncation)
    return findings


def _check_header(raw_file: RawFile, line: int | None) -> list[Finding]:
    path, header, table = str(raw_file.path), raw_file.header, raw_file.table
    findings = []
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        findings.append(Finding("error", "header_unique", path,
                                f"column(s) named twice in the header: {', '.join(duplicated)}",
                                line=line))
    missing = [name for name in table.required_columns if name not in header]
    if missing:
        findings.append(Finding(
            "error", "header_columns", path,
            f"missing column(s) {', '.join(missing)} required by the raw contract for "
            f"{table.name}", line=line, column=", ".join(missing)))
    if raw_file.extra_columns:
        findings.append(Finding(
            "warn", "header_columns", path,
            f"column(s) {', '.join(raw_file.extra_columns)} are not in the raw contract for "
            f"{table.name}; they are ignored", line=line,
            column=", ".join(raw_file.extra_columns)))
    return findings


def _scan_encoding(raw_file: RawFile) -> tuple[Finding | None, int, bool]:
    """Decode the file chunk by chunk; return the first decoding error, the line count and
    whether the file ends with a newline."""
    decoder = codecs.getincrementaldecoder(raw_file.encoding)(errors="strict")
    newlines = 0
    offset = 0
    last_byte = b""
    with raw_file.path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return _decode_error(raw_file, offset + exc.start, exc.object[exc.start:exc.end]), 0, False
            newlines += chunk.count(b"\n")
            offset += len(chunk)
            last_byte = chunk[-1:]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return _decode_error(raw_file, offset - len(exc.object) + exc.start, exc.object[exc.start:exc.end]), 0, False
    ends_with_newline = last_byte == b"\n"
    line_count = newlines + (0 if ends_with_newline else 1)
    return None, line_count, ends_with_newline


def _decode_error(raw_file: RawFile, position: int, bad_bytes: bytes) -> Finding:
    """Name the line, data row and column of an undecodable byte sequence."""
    with raw_file.path.open("rb") as handle:
        before = handle.read(position)
    line_number = before.count(b"\n") + 1
    line_start = before.rfind(b"\n") + 1
    field_index = before[line_start:].count(b",")
    with raw_file.path.open("rb") as handle:
        header_bytes = handle.readline().lstrip(UTF8_BOM)
    header = next(csv.reader([header_bytes.decode("utf-8", errors="replace")]), [])
    column = header[field_index] if field_index < len(header) else f"field {field_index + 1}"
    declared = raw_file.encoding
    hint = ("declare the file's encoding, e.g. `powerlens run --encoding "
            f"{raw_file.table.name}=gbk`" if declared.lower() in ("utf-8", "utf8")
            else "check the declared encoding")
    return Finding("error", "encoding", str(raw_file.path),
                   f"bytes {bad_bytes!r} are not valid {declared}; {hint}",
                   line=line_number, row=line_number - 1 if line_number > 1 else None,
                   column=column)


def _decode_line(line: bytes, raw_file: RawFile) -> str:
    text = line.decode(raw_file.encoding, errors="strict")
    return text.lstrip("\ufeff").rstrip("\r")


def _only_blank_after_header(path: Path, head: bytes) -> bool:
    """True when nothing but blank lines follows the header (a header-only export)."""
    if len(head) >= TAIL_BYTES and path.stat().st_size > TAIL_BYTES:
        return False
    rest = head.split(b"\n", 1)[1] if b"\n" in head else b""
    return not rest.strip()


def _check_last_line(raw_file: RawFile, line_count: int) -> Finding | None:
    """A file that does not end with a newline may have been cut off mid-row: compare the last
    line's fields with the header."""
    size = raw_file.path.stat().st_size
    with raw_file.path.open("rb") as handle:
        handle.seek(max(0, size - TAIL_BYTES))
        tail = handle.read()
    last_line = tail.rsplit(b"\n", 1)[-1]
    text = last_line.decode(raw_file.encoding, errors="replace").rstrip("\r")
    unbalanced_quote = text.count('"') % 2 == 1
    fields = next(csv.reader([text]), []) if not unbalanced_quote else []
    if unbalanced_quote or len(fields) < len(raw_file.header):
        got = "an unclosed quote" if unbalanced_quote else \
            f"{len(fields)} of {len(raw_file.header)} fields"
        # the field the export stopped in
        column = raw_file.header[len(fields) - 1] if fields else None
        return Finding("error", "complete_last_line", str(raw_file.path),
                       f"last line is truncated ({got}, no newline at the end of the file, "
                       "stops in this column); the export was cut off: re-export the file",
                       line=line_count, row=line_count - 1, column=column)
    return None


def normalise(report: PreflightReport, raw_dir: Path, out_dir: Path) -> None:
    """Give the run a raw folder of clean UTF-8 files with the contract's columns.

    Files that need no rewrite are symlinked (a 70M-row export is not copied); the others are
    rewritten row by row so each data row keeps its row number.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for raw_file in report.files:
        target = out_dir / raw_file.path.relative_to(raw_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            target.unlink()
        if raw_file.path.suffix in PARQUET_SUFFIXES or not raw_file.needs_rewrite:
            os.symlink(raw_file.path.resolve(), target)
        else:
            _rewrite_csv(raw_file, target)


def _rewrite_csv(raw_file: RawFile, target: Path) -> None:
    keep = [raw_file.header.index(name) for name in raw_file.header
            if name in raw_file.table.columns]
    # utf-8-sig drops a BOM when the declared encoding is UTF-8; other codecs keep it as U+FEFF
    encoding = "utf-8-sig" if raw_file.encoding.lower() in ("utf-8", "utf8") else raw_file.encoding
    with raw_file.path.open("r", encoding=encoding, newline="") as source, \
            target.open("w", encoding="utf-8", newline="") as sink:
        reader = csv.reader(source)
        writer = csv.writer(sink, lineterminator="\n")
        for record in reader:
            if record and record[0].startswith("\ufeff"):
                record[0] = record[0].lstrip("\ufeff")
            writer.writerow([record[i] if i < len(record) else "" for i in keep])


def parse_encodings(values: list[str] | None) -> dict[str, str]:
    """`--encoding gbk` (every CSV) or `--encoding customers=gbk` (one table), repeatable."""
    declared: dict[str, str] = {}
    for value in values or []:
        table, sep, encoding = value.partition("=")
        if not sep:
            table, encoding = "*", value
        if table != "*" and table not in RAW_TABLES:
            raise ValueError(f"--encoding {value}: unknown table {table!r} "
                             f"(tables: {', '.join(RAW_TABLES)})")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"--encoding {value}: unknown encoding {encoding!r}") from None
        declared[table] = encoding
    return declared


__all__ = ["Finding", "PreflightReport", "RawFile", "find_table_files", "normalise",
           "parse_encodings", "preflight"]
