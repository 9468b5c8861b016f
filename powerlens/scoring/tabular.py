"""Turn any customer table (a CSV from another utility, or our own export) into model input.

Real exports are messy: numbers with thousands separators or units, booleans as t/f or yes/no,
ISO dates, blanks and "NA"/"null"/"-" for missing, identifiers and free text that must not be
features, and a label spelt in many ways. Every decision taken here is reported back, so the
caller can see which columns were used and why the others were not.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none", "nil", "?", "-", "--", "#n/a", "missing"}
TRUE_TOKENS = {"1", "1.0", "t", "true", "yes", "y", "churn", "churned", "closed", "left", "是"}
FALSE_TOKENS = {"0", "0.0", "f", "false", "no", "n", "active", "stayed", "retained", "open", "否"}
BOOLEAN_TOKENS = {"t", "true", "f", "false", "yes", "no", "y", "n", "是", "否"}
# a column counts as numeric / date when this share of its present values parses as one
PARSE_SHARE = 0.95
MIN_ROWS_PER_CLASS = 10
ID_NAME = re.compile(r"(^|[_\s-])(id|uuid|key|no|number|编号)$|^id([_\s-]|$)", re.IGNORECASE)
# a leak: one column alone separates the classes almost perfectly
LEAK_AUC = 0.99


class InputError(ValueError):
    """A problem with the caller's file or arguments, reported as one line."""


@dataclass
class PreparedTable:
    features: pd.DataFrame
    labels: np.ndarray
    numeric: list[str]
    categorical: list[str]
    dropped: dict[str, str] = field(default_factory=dict)
    rows_without_label: int = 0
    positive_label: str = "1"
    warnings: list[str] = field(default_factory=list)


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_table(path: str | Path) -> pd.DataFrame:
    """Every column as text, missing tokens as NA, column names trimmed."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise InputError(f"{path} looks binary, not a text CSV")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{path} is neither UTF-8 nor GB18030 text")
    if not text.strip():
        raise InputError(f"{path} is empty")
    from io import StringIO
    try:
        frame = pd.read_csv(StringIO(text), sep=_sniff_delimiter(text[:65536]), dtype=str,
                            keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "unreadable"
        raise InputError(f"cannot parse {path} as CSV: {first_line}") from None
    frame.columns = [str(column).strip() for column in frame.columns]
    if frame.columns.duplicated().any():
        duplicated = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise InputError(f"duplicate column names in {path}: {', '.join(duplicated)}")
    cleaned = frame.apply(lambda column: column.str.strip())
    return cleaned.mask(cleaned.apply(lambda column: column.str.lower().isin(MISSING_TOKENS)))


def parse_label(values: pd.Series, column: str) -> tuple[pd.Series, str]:
    """0/1 (NA where missing) and the value taken as positive."""
    present = values.dropna().str.lower()
    distinct = set(present.unique())
    if len(distinct) < 2:
        raise InputError(f"label column {column!r} has {len(distinct)} distinct value(s); "
                         "need two classes")
    if distinct <= TRUE_TOKENS | FALSE_TOKENS and distinct & TRUE_TOKENS and distinct & FALSE_TOKENS:
        positive = "/".join(sorted(distinct & TRUE_TOKENS))
        return values.str.lower().map(lambda v: np.nan if pd.isna(v) else float(v in TRUE_TOKENS)), positive
    if len(distinct) == 2:
        # two arbitrary values: the rarer one is the event worth predicting
        counts = present.value_counts()
        positive = sorted(distinct, key=lambda v: (counts[v], v))[0]
        return values.str.lower().map(lambda v: np.nan if pd.isna(v) else float(v == positive)), positive
    shown = ", ".join(sorted(distinct)[:6])
    raise InputError(f"label column {column!r} must have two classes, found {len(distinct)}: {shown}")


def _as_number(values: pd.Series) -> pd.Series:
    stripped = values.str.replace(r"[,\s¥$€%]|yuan|元|kwh|kva", "", regex=True, case=False)
    return pd.to_numeric(stripped, errors="coerce")


def _as_dates(values: pd.Series) -> pd.Series:
    # 2024/01/05 is as common as 2024-01-05 in exports; both are year-first
    return pd.to_datetime(values.str.replace("/", "-", regex=False), errors="coerce",
                          format="ISO8601")


def _looks_like_dates(values: pd.Series) -> bool:
    year_first = values.str.match(r"^\d{4}[-/]\d{1,2}([-/]\d{1,2})?([ T]\d{1,2}:\d{2}(:\d{2})?)?")
    return year_first.mean() >= PARSE_SHARE and _as_dates(values).notna().mean() >= PARSE_SHARE


def type_column(name: str, values: pd.Series, is_unique_hint: bool) -> tuple[str, pd.Series | None, str]:
    """(kind, converted values, reason) with kind numeric, categorical or dropped."""
    present = values.dropna()
    if present.empty:
        return "dropped", None, "no values"
    if present.nunique() == 1:
        return "dropped", None, "one value only"
    lowered = present.str.lower()
    if set(lowered.unique()) <= BOOLEAN_TOKENS:
        truthy = values.str.lower().isin(TRUE_TOKENS)
        return "numeric", truthy.astype(float).where(values.notna()), "boolean"
    numbers = _as_number(present)
    if numbers.notna().mean() >= PARSE_SHARE:
        if ID_NAME.search(name) and is_unique_hint:
            return "dropped", None, "identifier"
        return "numeric", _as_number(values), "number"
    if _looks_like_dates(present):
        # a date becomes its age in days against the column's latest date: scale-free and ordered
        parsed = _as_dates(values)
        return "numeric", (parsed.max() - parsed).dt.days.astype(float), "date (days before latest)"
    if is_unique_hint or present.nunique() > max(50, 0.5 * len(present)):
        return "dropped", None, "identifier or free text (too many distinct values)"
    return "categorical", lowered.reindex(values.index).astype(object), "category"


def _single_column_auc(values: pd.Series, labels: np.ndarray, kind: str) -> float:
    if kind == "categorical":
        filled = values.fillna("(missing)")
        rates = pd.Series(labels, index=values.index).groupby(filled).mean()
        score = filled.map(rates).to_numpy(dtype=float)
    else:
        # missing goes below every value so that "missing only for churners" shows up too
        filled = values.fillna(values.min() - 1 if values.notna().any() else 0)
        score = filled.to_numpy(dtype=float)
    auc = roc_auc_score(labels, score)
    return max(auc, 1 - auc)


def prepare_table(frame: pd.DataFrame, label: str, id_column: str | None = None) -> PreparedTable:
    if label not in frame.columns:
        raise InputError(f"label column {label!r} not in the file; columns: "
                         f"{', '.join(frame.columns[:20])}")
    if id_column is not None and id_column not in frame.columns:
        raise InputError(f"id column {id_column!r} not in the file")
    encoded, positive = parse_label(frame[label], label)
    has_label = encoded.notna()
    rows = frame.loc[has_label].reset_index(drop=True)
    labels = encoded.loc[has_label].to_numpy(dtype=int)
    for name, count in (("positive", int(labels.sum())), ("negative", int(len(labels) - labels.sum()))):
        if count < MIN_ROWS_PER_CLASS:
            raise InputError(f"only {count} {name} rows in {label!r}; need at least "
                             f"{MIN_ROWS_PER_CLASS} for 5-fold cross-validation")
    prepared = PreparedTable(pd.DataFrame(index=rows.index), labels, [], [],
                             rows_without_label=int((~has_label).sum()), positive_label=positive)
    if id_column is not None:
        prepared.dropped[id_column] = "identifier (--id)"
    for name in rows.columns:
        if name in (label, id_column):
            continue
        unique = rows[name].notna().all() and rows[name].is_unique and len(rows) > 20
        kind, values, reason = type_column(name, rows[name], unique)
        if kind == "dropped":
            prepared.dropped[name] = reason
            continue
        prepared.features[name] = values
        (prepared.numeric if kind == "numeric" else prepared.categorical).append(name)
        if _single_column_auc(values, labels, kind) >= LEAK_AUC:
            prepared.warnings.append(f"column {name!r} alone separates the label "
                                     f"(AUC >= {LEAK_AUC}): probably leaks the outcome")
    if not prepared.numeric and not prepared.categorical:
        raise InputError("no usable feature columns left after dropping: "
                         + ", ".join(f"{k} ({v})" for k, v in prepared.dropped.items()))
    return prepared
