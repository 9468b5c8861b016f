"""Preflight of the raw export files, before anything reads them with SQL.

File-level defects (wrong encoding, a binary file, byte-order mark, missing or extra columns, an
empty or header-only file, a truncated last line, an unclosed quote) are found here and reported
naming the file, the line, the data row and the column, never a value of a personal-data column.
Row-level defects (a bad number, an unknown code, a duplicate key ...) are staging's job: those
rows go to the rejected models with a reason.

When a file is usable after a lossless rewrite (a declared non-UTF-8 encoding, a BOM, columns
outside the contract, CR or mixed line endings, rows with more or fewer fields than the header),
``normalise`` writes a UTF-8 copy into the run's own raw folder, keeping every data row on the
same row number, and links the untouched files next to it, so the exporter's files are never
modified. A row with the wrong number of fields is never cut or padded into a staged row: the
copy marks it in the extra column ``_field_count`` and staging rejects it (rule field_count).
"""
from __future__ import annotations

import codecs
import csv
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from powerlens.quality.raw_contract import PII_COLUMNS, RAW_TABLES, RawTable

UTF8_BOM = codecs.BOM_UTF8
READ_CHUNK_BYTES = 16 * 1024 * 1024
TAIL_BYTES = 64 * 1024
LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# The column a rewritten file carries when some of its rows have the wrong number of fields:
# "<found>/<expected>/<column>" on those rows, empty on the others. Staging rejects a row with a
# value there (rule field_count, macros/staging/staging_checked_rows.sql).
FIELD_COUNT_COLUMN = "_field_count"
# how many of a file's defective rows a finding names
REPORTED_ROWS = 3
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
    # data rows with more or fewer fields than the header: the rewrite marks them (staging
    # rejects them, rule field_count) instead of cutting or padding them
    field_count_rows: int = 0
    # "lf", "crlf" (DuckDB reads both), "cr" or "mixed" (the rewrite ends every line with LF)
    line_endings: str = "lf"

    @property
    def extra_columns(self) -> list[str]:
        return [name for name in self.header if name not in self.table.columns]

    @property
    def is_utf8(self) -> bool:
        return self.encoding.lower().replace("_", "-") in ("utf-8", "utf8")

    @property
    def needs_rewrite(self) -> bool:
        return not self.is_utf8 or self.has_bom or bool(self.extra_columns) \
            or self.field_count_rows > 0 or self.line_endings in ("cr", "mixed")

    @property
    def is_rewritten(self) -> bool:
        """normalise writes a new copy of the file (else it links the original)."""
        return self.path.suffix not in PARQUET_SUFFIXES and self.needs_rewrite


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

    # The whole file must decode in the declared encoding and hold no NUL byte; the same pass
    # counts lines, line endings, commas and quotes (C-speed byte counts, no per-line Python).
    scan = _scan(raw_file) if full_scan else None
    if scan is not None and scan.error is not None:
        findings.append(scan.error)
        return findings

    try:
        header_line = _header_line(head, raw_file)
    except UnicodeError:
        # only reached without a full scan (a file that passed before): decode it again
        return findings + [_scan(raw_file).error or Finding(
            "error", "encoding", str(path), f"the header is not valid {raw_file.encoding}", line=1)]
    if not header_line.strip():
        return findings + [Finding("error", "file_not_empty", str(path),
                                   "file has no header line (first line is blank)", line=1)]
    raw_file.header = next(csv.reader([header_line]))
    header_findings = _check_header(raw_file, line=1)
    findings.extend(header_findings)
    if any(f.severity == "error" for f in header_findings):
        return findings

    if scan is None:
        return findings
    raw_file.line_endings = scan.line_endings
    if not scan.ends_with_newline:
        truncation = _check_last_line(raw_file, scan)
        if truncation is not None:
            findings.append(truncation)
            return findings
    width = len(raw_file.header)
    # Every line of a file without blank lines, CRs or quoted commas and line breaks has width - 1
    # commas, and its quotes pair up (a fully quoted export too); only a file that breaks that
    # (or needs a rewrite anyway) is parsed row by row here.
    exact = scan.quotes % 2 == 1 or scan.line_endings in ("cr", "mixed") \
        or raw_file.needs_rewrite or scan.commas != (width - 1) * scan.lines
    if not exact:
        if scan.lines <= 1 or _only_blank_after_header(path, head):
            return findings + [_no_rows(raw_file)]
        return findings
    rows = _parse_rows(raw_file, width)
    if rows.unclosed is not None:
        return findings + [rows.unclosed]
    if rows.count == 0:
        return findings + [_no_rows(raw_file)]
    if scan.line_endings in ("cr", "mixed"):
        findings.append(_line_endings_warning(raw_file, scan))
    raw_file.field_count_rows = rows.wrong_total
    if rows.wrong_total:
        listed = "; ".join(f"line {line}, data row {row}: {found} fields"
                           for line, row, found in rows.wrong)
        more = f"; and {rows.wrong_total - len(rows.wrong)} more" \
            if rows.wrong_total > len(rows.wrong) else ""
        first_line, first_row, _ = rows.wrong[0]
        findings.append(Finding(
            "warn", "field_count", str(path),
            f"{rows.wrong_total} row(s) have more or fewer fields than the header's {width} "
            f"({listed}{more}); each is rejected by staging with rule field_count, never cut "
            "or padded", line=first_line, row=first_row))
    return findings


def _no_rows(raw_file: RawFile) -> Finding:
    severity = "error" if raw_file.table.required else "warn"
    return Finding(severity, "has_rows", str(raw_file.path), "file has a header but no data rows")


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


def ascii_compatible(encoding: str) -> bool:
    """True when the encoding writes the CSV syntax (comma, quote, CR, LF) as those ASCII bytes
    and never uses them inside another character (UTF-8, GBK, GB18030, Big5 ...; not UTF-16)."""
    try:
        return '\n\r,"'.encode(encoding) == b'\n\r,"'
    except (LookupError, UnicodeError):
        return False


@dataclass
class _Scan:
    """What one pass over a file's bytes (or decoded text) found."""

    error: Finding | None = None
    newlines: int = 0
    carriage_returns: int = 0
    crlfs: int = 0
    commas: int = 0
    quotes: int = 0
    ends_with_newline: bool = False
    first_cr: int = -1
    # the end of the text (the last line, for the truncation check)
    tail: str = ""

    @property
    def line_endings(self) -> str:
        if self.carriage_returns == 0:
            return "lf"
        if self.carriage_returns == self.crlfs == self.newlines:
            return "crlf"
        return "cr" if self.newlines == 0 else "mixed"

    @property
    def lines(self) -> int:
        breaks = self.newlines + self.carriage_returns - self.crlfs
        return breaks + (0 if self.ends_with_newline else 1)


def _scan(raw_file: RawFile) -> _Scan:
    if not ascii_compatible(raw_file.encoding):
        return _scan_text(raw_file)
    decoder = codecs.getincrementaldecoder(raw_file.encoding)(errors="strict")
    scan = _Scan()
    offset = 0
    last = b""
    with raw_file.path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK_BYTES):
            # a NUL never occurs in a text CSV in these encodings: a binary or compressed file
            nul = chunk.find(b"\x00")
            if nul >= 0:
                scan.error = _binary_error(raw_file, offset + nul)
                return scan
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                scan.error = _decode_error(raw_file, offset + exc.start,
                                           exc.object[exc.start:exc.end])
                return scan
            scan.newlines += chunk.count(b"\n")
            scan.commas += chunk.count(b",")
            if b'"' in chunk:
                scan.quotes += chunk.count(b'"')
            if b"\r" in chunk:
                if scan.first_cr < 0:
                    scan.first_cr = offset + chunk.index(b"\r")
                scan.carriage_returns += chunk.count(b"\r")
                scan.crlfs += chunk.count(b"\r\n")
            if last == b"\r" and chunk.startswith(b"\n"):
                scan.crlfs += 1
            offset += len(chunk)
            last = chunk[-1:]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            scan.error = _decode_error(raw_file, offset - len(exc.object) + exc.start,
                                       exc.object[exc.start:exc.end])
            return scan
    scan.ends_with_newline = last in (b"\n", b"\r")
    return scan


def _scan_text(raw_file: RawFile) -> _Scan:
    """The scan for an encoding that is not ASCII-compatible (UTF-16, UTF-32): on decoded text.
    Such a file is always rewritten as UTF-8, so it is parsed row by row anyway."""
    scan = _Scan()
    decoder = codecs.getincrementaldecoder(raw_file.encoding)(errors="strict")
    text_so_far = 0
    last = ""
    with raw_file.path.open("rb") as handle:
        while True:
            data = handle.read(READ_CHUNK_BYTES)
            try:
                chunk = decoder.decode(data, final=not data)
            except UnicodeError as exc:  # UnicodeDecodeError, or UTF-16 without its BOM
                start = getattr(exc, "start", 0)
                before = data[:start].decode(raw_file.encoding, errors="ignore")
                line = scan.newlines + scan.carriage_returns - scan.crlfs + 1 \
                    + len(re.findall(r"\r\n|\r|\n", before))
                reason = getattr(exc, "reason", str(exc))
                scan.error = Finding("error", "encoding", str(raw_file.path),
                                     f"bytes that are not valid {raw_file.encoding} ({reason}); "
                                     "check the declared encoding", line=line,
                                     row=line - 1 if line > 1 else None)
                return scan
            nul = chunk.find("\x00")
            if nul >= 0:
                line = _text_line_of(raw_file, text_so_far + nul)
                scan.error = Finding(
                    "error", "text_file", str(raw_file.path),
                    f"a NUL character: this is not a text CSV export in {raw_file.encoding} (a "
                    "binary or compressed file, or another encoding?)", line=line,
                    row=line - 1 if line > 1 else None)
                return scan
            scan.newlines += chunk.count("\n")
            scan.commas += chunk.count(",")
            scan.quotes += chunk.count('"')
            if "\r" in chunk:
                scan.carriage_returns += chunk.count("\r")
                scan.crlfs += chunk.count("\r\n")
            if last == "\r" and chunk.startswith("\n"):
                scan.crlfs += 1
            text_so_far += len(chunk)
            if chunk:
                last = chunk[-1:]
                scan.tail = (scan.tail + chunk)[-TAIL_BYTES:]
            if not data:
                break
    scan.ends_with_newline = last in ("\n", "\r")
    return scan


def _text_line_of(raw_file: RawFile, position: int) -> int:
    with raw_file.path.open("r", encoding=raw_file.encoding, errors="replace",
                            newline="") as source:
        before = source.read(position)
    return len(re.findall(r"\r\n|\r|\n", before)) + 1


def _line_of(raw_file: RawFile, position: int) -> tuple[int, int]:
    """The 1-based line of a byte offset and the offset its line starts at."""
    with raw_file.path.open("rb") as handle:
        before = handle.read(position)
    breaks = list(LINE_BREAK.finditer(before))
    return len(breaks) + 1, (breaks[-1].end() if breaks else 0)


def _column_at(raw_file: RawFile, line_bytes: bytes) -> str:
    """The header column a position falls in, from the line's text before it."""
    field_index = line_bytes.count(b",")
    with raw_file.path.open("rb") as handle:
        header_bytes = LINE_BREAK.split(handle.read(TAIL_BYTES), 1)[0].lstrip(UTF8_BOM)
    header = next(csv.reader([header_bytes.decode("utf-8", errors="replace")]), [])
    return header[field_index] if field_index < len(header) else f"field {field_index + 1}"


def _binary_error(raw_file: RawFile, position: int) -> Finding:
    line, line_start = _line_of(raw_file, position)
    with raw_file.path.open("rb") as handle:
        start = handle.read(4)
        handle.seek(line_start)
        in_line = handle.read(position - line_start)
    if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or b"\x00" in start[:2]:
        why = ("the file looks like UTF-16 text: declare it, e.g. `powerlens run --encoding "
               f"{raw_file.table.name}=utf-16`")
    else:
        why = "this is not a text CSV export (a binary or compressed file?): export the table as CSV"
    return Finding("error", "text_file", str(raw_file.path),
                   f"a NUL byte, which {raw_file.encoding} text never holds; {why}", line=line,
                   row=line - 1 if line > 1 else None,
                   column=_column_at(raw_file, in_line) if line > 1 else None)


def _decode_error(raw_file: RawFile, position: int, bad_bytes: bytes) -> Finding:
    """Name the line, data row and column of an undecodable byte sequence (its bytes only when
    the column holds no personal data)."""
    line, line_start = _line_of(raw_file, position)
    with raw_file.path.open("rb") as handle:
        handle.seek(line_start)
        in_line = handle.read(position - line_start)
    column = _column_at(raw_file, in_line)
    declared = raw_file.encoding
    hint = ("declare the file's encoding, e.g. `powerlens run --encoding "
            f"{raw_file.table.name}=gbk`" if declared.lower() in ("utf-8", "utf8")
            else "check the declared encoding")
    shown = "bytes that" if column in PII_COLUMNS else f"bytes {bad_bytes!r}"
    return Finding("error", "encoding", str(raw_file.path),
                   f"{shown} are not valid {declared}; {hint}",
                   line=line, row=line - 1 if line > 1 else None, column=column)


def _header_line(head: bytes, raw_file: RawFile) -> str:
    if not ascii_compatible(raw_file.encoding):
        text = codecs.getincrementaldecoder(raw_file.encoding)(errors="strict").decode(head)
        return re.split(r"\r\n|\r|\n", text, maxsplit=1)[0].lstrip("\ufeff")
    return _decode_line(LINE_BREAK.split(head, 1)[0], raw_file)


def _decode_line(line: bytes, raw_file: RawFile) -> str:
    text = line.decode(raw_file.encoding, errors="strict")
    return text.lstrip("\ufeff").rstrip("\r")


def _only_blank_after_header(path: Path, head: bytes) -> bool:
    """True when nothing but blank lines follows the header (a header-only export)."""
    if len(head) >= TAIL_BYTES and path.stat().st_size > TAIL_BYTES:
        return False
    parts = LINE_BREAK.split(head, 1)
    rest = parts[1] if len(parts) > 1 else b""
    return not rest.strip()


def _check_last_line(raw_file: RawFile, scan: _Scan) -> Finding | None:
    """A file that does not end with a newline may have been cut off mid-row: compare the last
    line's fields with the header."""
    if ascii_compatible(raw_file.encoding):
        size = raw_file.path.stat().st_size
        with raw_file.path.open("rb") as handle:
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read()
        last_line = LINE_BREAK.split(tail)[-1]
        text = last_line.decode(raw_file.encoding, errors="replace")
    else:
        text = re.split(r"\r\n|\r|\n", scan.tail)[-1]
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
                       line=scan.lines, row=scan.lines - 1, column=column)
    return None


def _line_endings_warning(raw_file: RawFile, scan: _Scan) -> Finding:
    if scan.line_endings == "cr":
        return Finding("warn", "line_endings", str(raw_file.path),
                       "lines end in CR only (classic Mac OS): read as lines, ended with LF in "
                       "the run's copy", line=1)
    line = None
    if scan.first_cr >= 0 and ascii_compatible(raw_file.encoding):
        line, _ = _line_of(raw_file, scan.first_cr)
    lf_only = scan.newlines - scan.crlfs
    cr_only = scan.carriage_returns - scan.crlfs
    return Finding("warn", "line_endings", str(raw_file.path),
                   f"mixed line endings ({scan.crlfs} CRLF, {lf_only} LF, {cr_only} CR; the "
                   "first CR is on this line, a file joined from two exports?): every line "
                   "ended with LF in the run's copy", line=line)


@dataclass
class _Rows:
    count: int = 0
    # (line, data row, fields found) of the first REPORTED_ROWS rows with the wrong count
    wrong: list[tuple[int, int, int]] = field(default_factory=list)
    wrong_total: int = 0
    unclosed: Finding | None = None


def _open_text(raw_file: RawFile):
    # utf-8-sig drops a BOM when the declared encoding is UTF-8; other codecs keep it as U+FEFF
    encoding = "utf-8-sig" if raw_file.is_utf8 else raw_file.encoding
    return raw_file.path.open("r", encoding=encoding, newline="")


def _parse_rows(raw_file: RawFile, width: int) -> _Rows:
    """Every data row's field count, as the rewrite and DuckDB see rows (blank lines are no
    rows; a quoted value may span lines). A row that has the wrong count and spans lines is an
    unclosed quote (which row ends where is unknowable): an error."""
    rows = _Rows()
    csv.field_size_limit(sys.maxsize)
    with _open_text(raw_file) as source:
        reader = csv.reader(source)
        next(reader, None)
        line = reader.line_num
        try:
            for record in reader:
                start, line = line + 1, reader.line_num
                if not record:
                    continue
                rows.count += 1
                if len(record) == width:
                    continue
                if line > start:
                    rows.unclosed = _unclosed_quote(raw_file, start, rows.count, line,
                                                    len(record))
                    return rows
                rows.wrong_total += 1
                if len(rows.wrong) < REPORTED_ROWS:
                    rows.wrong.append((start, rows.count, len(record)))
        except csv.Error:
            rows.unclosed = _unclosed_quote(raw_file, line + 1, rows.count + 1, None, None)
    return rows


def _unclosed_quote(raw_file: RawFile, line: int, row: int, last_line: int | None,
                    found: int | None) -> Finding:
    column = raw_file.header[found - 1] if found and found <= len(raw_file.header) else None
    runs = f" runs to line {last_line} and leaves the row with {found} of " \
        f"{len(raw_file.header)} fields" if last_line else " does not end"
    return Finding("error", "quotes_closed", str(raw_file.path),
                   f"a quoted value starting in this row{runs}: an unclosed quote; fix or "
                   "re-export the file", line=line, row=row, column=column)


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
        if raw_file.is_rewritten:
            _rewrite_csv(raw_file, target)
        else:
            os.symlink(raw_file.path.resolve(), target)


def _rewrite_csv(raw_file: RawFile, target: Path) -> None:
    """One output row per data row, in order (blank lines, which are no rows, are left out), so
    staging's row numbers point at the original rows. A row with the wrong number of fields is
    written with the contract's columns it has and marked in FIELD_COUNT_COLUMN."""
    header = raw_file.header
    width = len(header)
    keep = [header.index(name) for name in header if name in raw_file.table.columns]
    mark = raw_file.field_count_rows > 0
    csv.field_size_limit(sys.maxsize)
    with _open_text(raw_file) as source, target.open("w", encoding="utf-8", newline="") as sink:
        reader = csv.reader(source)
        writer = csv.writer(sink, lineterminator="\n")
        first = next(reader, [])
        if first and first[0].startswith("\ufeff"):
            first[0] = first[0].lstrip("\ufeff")
        writer.writerow([first[i] for i in keep] + ([FIELD_COUNT_COLUMN] if mark else []))
        for record in reader:
            if not record:
                continue
            values = [record[i] if i < len(record) else "" for i in keep]
            if mark:
                found = len(record)
                if found == width:
                    values.append("")
                else:
                    # the first column without its value, or the last one the extra fields follow
                    column = header[found] if found < width else header[-1]
                    values.append(f"{found}/{width}/{column}")
            writer.writerow(values)


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
