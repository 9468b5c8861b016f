"""Keeping values of personal-data columns out of messages, logs and run records.

A run's messages name the file, row and column of a problem, never the values in it. The
preflight and staging word their own messages that way; what the pipeline passes on from DuckDB
and dbt is scrubbed here before it is printed, saved in run.json or the `quality` schema, or left
in the run folder's dbt logs and run results:
- DuckDB's CSV reader quotes the whole raw line of a row it cannot parse ("Original Line: ...");
- a conversion error quotes the value it could not convert;
- a mobile number (11 digits, 1[3-9]...) anywhere keeps only its first 3 and last 4 digits, as
  the marts mask it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

WITHHELD = "(withheld: the line may hold personal data; see the file at the line named)"
# DuckDB's raw line runs to the next part of its message, a blank line or the next log line; an
# open quote makes it span several lines of the file
_RAW_LINE = re.compile(
    r"(Original Line:).*?(?=\n[ \t]*\n|\nExpected Number|\nValue with|\nPossible fixes"
    r"|\n(?:\x1b\[[0-9;]*m)?\d\d:\d\d:\d\d|\Z)", re.DOTALL)
_QUOTED_VALUE = re.compile(
    r"""((?:could not convert|could not cast|failed to cast|invalid input)[^'"\n]{0,40}?)"""
    r"""(\\?['"])(.*?)\2""", re.IGNORECASE)
# not inside a longer number, a hex digest or an id, nor the digits of a decimal fraction (a dbt
# log's timing such as 0.13330078125)
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z])(?<![0-9]\.)(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])(?!\.[0-9])")


def scrub(text: str) -> str:
    """``text`` without raw lines, converted values or phone numbers."""
    if not text or not isinstance(text, str):
        return text
    text = _RAW_LINE.sub(lambda match: f"{match.group(1)} {WITHHELD}", text)
    text = _QUOTED_VALUE.sub(lambda match: f"{match.group(1)}{match.group(2)}***{match.group(2)}",
                             text)
    return _MOBILE.sub(r"\1****\2", text)


def _scrub_json(value):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_json(item) for key, item in value.items()}
    return value


def scrub_file(path: Path) -> bool:
    """Scrub a log or a JSON file (run results) in place; True when it changed."""
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return False
    cleaned = scrub(text)
    if path.suffix == ".json":
        try:
            cleaned = json.dumps(_scrub_json(json.loads(text)), ensure_ascii=False)
        except ValueError:
            pass
    if cleaned == text:
        return False
    temporary = path.with_name(path.name + ".scrub")
    temporary.write_text(cleaned, encoding="utf-8", errors="surrogateescape")
    temporary.replace(path)
    return True
