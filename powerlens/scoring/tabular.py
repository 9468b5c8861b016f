"""Turn any customer table (a CSV from another utility, or our own export) into model input.

Real exports are messy: numbers with thousands separators or units, booleans as t/f or yes/no,
ISO dates, blanks and "NA"/"null"/"-" for missing, identifiers and free text that must not be
features, and a label spelt in many ways. Every decision taken here is reported back, so the
caller can see which columns were used and why the others were not.

Dates are not used as raw numbers: a date column becomes durations against one reference date
(the latest date in the table unless the caller gives one), its month of year, and the span to
every other date column (a contract's length is its end minus its start). Churn lives in those
durations: in the first months of tenure, near a contract's end, long after the last change.
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
# a calendar month is 365.25 / 12 days on average: the unit of the day part of a duration
DAYS_PER_MONTH = 365.25 / 12
# spans between date columns grow with the square of their number; past this many date columns
# only the first ones (in file order) are paired, the others still get their own features
MAX_PAIRED_DATE_COLUMNS = 6
# a category level seen in fewer rows is pooled with the other rare levels by the models
RARE_LEVEL_ROWS = 20
# personal data named by its column: a name, phone, e-mail or address is never a feature, however
# few values it repeats (a small code list called "plan_name" has at most this many values)
PII_NAME = re.compile(r"(^|[_\s-])(name|names|phone|phones|mobile|tel|telephone|email|e-?mail|"
                      r"address|addr|street)$|姓名|名字|电话|手机|地址|邮箱|身份证", re.IGNORECASE)
MAX_NAMED_CODE_LEVELS = 20
# a text column with more distinct values than this share of its rows is an identifier or free
# text, and so is one whose rows mostly sit in levels too rare to learn (seen in fewer than
# RARE_LEVEL_ROWS rows; the models pool them into one level anyway): names that repeat a few
# times in a million rows. Small code lists (at most MAX_NAMED_CODE_LEVELS) are never judged rare.
NEAR_UNIQUE_SHARE = 0.5
# a number column of whole numbers of one length (at least 7 digits) whose values are nearly all
# different is a phone number, account or meter number, not a quantity
CODE_NUMBER_DIGITS = 7
CODE_NUMBER_DISTINCT_SHARE = 0.9
# the expensive checks (number clean-up, date parsing) decide a column's kind on at most this
# many of its values; only a column that turns out numeric or a date is converted in full
KIND_SAMPLE_ROWS = 20_000
# the leak check measures each column's own AUC on at most this many rows
LEAK_CHECK_ROWS = 200_000
MONTHS_FROM_REFERENCE = "__months_from_reference"
MONTH_OF_YEAR = "__month_of_year"


class InputError(ValueError):
    """A problem with the caller's file or arguments, reported as one line. The message names
    the file, the column or the option, never a value from a data row (they may be personal)."""


class NoUsableFeatures(InputError):
    """Every column but the label was dropped: there is nothing to learn from."""


# what each kind of dropped column is called in dropped_columns; the first three get a warning
IDENTIFIER_REASONS = ("identifier", "identifier-like number", "identifier or free text",
                      "personal data")


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
    # date column -> the features derived from it; reference date as YYYY-MM-DD (None: no dates)
    date_features: dict[str, list[str]] = field(default_factory=dict)
    reference_date: str | None = None
    # categorical feature -> distinct levels and how many of them are rare (pooled by the models)
    categorical_levels: dict[str, dict[str, int]] = field(default_factory=dict)


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
    from io import BytesIO
    delimiter = _sniff_delimiter(text[:65536])
    del text
    try:
        # the bytes, not the decoded text: pandas would encode a text buffer back to UTF-8
        # before parsing it (3.5 of the 9 s of reading 1,000,000 rows)
        frame = pd.read_csv(BytesIO(raw), encoding=encoding, sep=delimiter, dtype=str,
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
    # the values are not shown: a wrong --label may well name a column of customers' names
    raise InputError(f"label column {column!r} must have two classes, found {len(distinct)} "
                     "distinct values; pass the column that says whether the customer churned")


def _as_number(values: pd.Series) -> pd.Series:
    # plain numbers parse in C; only the rest (separators, currency, units) go through the regex
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    failed = values.notna() & numbers.isna()
    if failed.any():
        stripped = values[failed].str.replace(r"(?i)[,\s¥$€%]|yuan|元|kwh|kva", "", regex=True)
        numbers[failed] = pd.to_numeric(stripped, errors="coerce").astype(float)
    return numbers


def _as_dates(values: pd.Series) -> pd.Series:
    # 2024/01/05 is as common as 2024-01-05 in exports; both are year-first
    # utc=True lets a zone suffix (Z, +08:00) sit beside plain dates; the zone is then dropped
    # so the column compares with a plain reference date
    parsed = pd.to_datetime(values.str.replace("/", "-", regex=False), errors="coerce",
                            format="ISO8601", utc=True)
    return parsed.dt.tz_convert(None)


def _looks_like_dates(values: pd.Series) -> bool:
    year_first = values.str.match(r"^\d{4}[-/]\d{1,2}([-/]\d{1,2})?([ T]\d{1,2}:\d{2}(:\d{2})?)?")
    return year_first.mean() >= PARSE_SHARE and _as_dates(values).notna().mean() >= PARSE_SHARE


def _looks_like_code_numbers(present: pd.Series) -> bool:
    """Whole numbers of one length, 7 digits or more, nearly all different: phone, account or
    meter numbers (a quantity's values spread over several lengths, or repeat)."""
    digits = present.str.fullmatch(r"\+?\d{%d,}" % CODE_NUMBER_DIGITS)
    if digits.mean() < PARSE_SHARE:
        return False
    lengths = present.str.len().value_counts(normalize=True)
    return (lengths.iloc[0] >= PARSE_SHARE
            and present.nunique() >= CODE_NUMBER_DISTINCT_SHARE * len(present))


def _mostly_rare(lowered: pd.Series) -> bool:
    counts = lowered.value_counts()
    return (len(counts) > MAX_NAMED_CODE_LEVELS
            and counts[counts < RARE_LEVEL_ROWS].sum() > NEAR_UNIQUE_SHARE * len(lowered))


def _kind_sample(present: pd.Series) -> pd.Series:
    if len(present) <= KIND_SAMPLE_ROWS:
        return present
    return present.sample(KIND_SAMPLE_ROWS, random_state=0)


def type_column(name: str, values: pd.Series, is_unique_hint: bool) -> tuple[str, pd.Series | None, str]:
    """(kind, converted values, reason) with kind numeric, date, categorical or dropped.

    A date column comes back as parsed timestamps (NaT where missing or unparseable); turning it
    into features needs the reference date, which depends on every date column of the table.
    A dropped column's reason starts with one of IDENTIFIER_REASONS when it was dropped as an
    identifier, free text or personal data (those are warned about)."""
    present = values.dropna()
    if present.empty:
        return "dropped", None, "no values"
    if present.nunique() == 1:
        return "dropped", None, "one value only"
    lowered = present.str.lower()
    distinct = lowered.nunique()
    personal = PII_NAME.search(name) is not None and distinct > MAX_NAMED_CODE_LEVELS
    if distinct <= len(BOOLEAN_TOKENS) and set(lowered.unique()) <= BOOLEAN_TOKENS:
        truthy = values.str.lower().isin(TRUE_TOKENS)
        return "numeric", truthy.astype(float).where(values.notna()), "boolean"
    sample = _kind_sample(present)
    if _as_number(sample).notna().mean() >= PARSE_SHARE:
        if ID_NAME.search(name) and is_unique_hint:
            return "dropped", None, "identifier"
        if _looks_like_code_numbers(present):
            return "dropped", None, ("identifier-like number (whole numbers of one length, "
                                     "nearly all different: a phone, account or meter number)")
        if personal:
            return "dropped", None, "personal data (a name, phone or address by its column name)"
        return "numeric", _as_number(values), "number"
    if _looks_like_dates(sample):
        return "date", _as_dates(values), "date"
    if is_unique_hint or distinct > NEAR_UNIQUE_SHARE * len(present):
        return "dropped", None, "identifier or free text (too many distinct values)"
    if _mostly_rare(lowered):
        return "dropped", None, ("identifier or free text (most rows hold values seen fewer than "
                                 f"{RARE_LEVEL_ROWS} times)")
    if personal:
        return "dropped", None, "personal data (a name, phone or address by its column name)"
    return "categorical", lowered.reindex(values.index).astype(object), "category"


def _single_column_auc(values: pd.Series, labels: np.ndarray, kind: str) -> float:
    if len(values) > LEAK_CHECK_ROWS:
        # an AUC of 0.99 shows as clearly in 200,000 rows as in millions
        keep = np.random.default_rng(0).choice(len(values), LEAK_CHECK_ROWS, replace=False)
        values, labels = values.iloc[keep], labels[keep]
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


def parse_reference_date(text: str) -> pd.Timestamp:
    """The caller's --reference-date: YYYY-MM-DD, nothing else."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise InputError(f"--reference-date must be YYYY-MM-DD, got {text!r}")
    try:
        return pd.Timestamp(text.strip())
    except ValueError:
        raise InputError(f"--reference-date is not a calendar date: {text!r}") from None


def _day_of_month_offset(dates: pd.Series) -> pd.Series:
    """Days (with the time of day as a fraction) since the first of the date's month."""
    month_starts = dates.dt.to_period("M").dt.to_timestamp()
    return (dates - month_starts).dt.total_seconds() / 86400


def months_from_reference(dates: pd.Series, reference: pd.Timestamp) -> pd.Series:
    """Signed months from each date to ``reference``: positive for a date before it (months
    since: tenure, time since the last change), negative for a date after it (months until: a
    contract end or renewal still to come). NaN where the date is missing.

    Whole calendar months plus the difference in day of month over an average month, so equal
    days of month give whole numbers (2023-01-15 to 2024-07-15 is exactly 18) and the value
    still falls steadily, day by day, as the date moves later.
    """
    whole_months = (reference.year - dates.dt.year) * 12 + (reference.month - dates.dt.month)
    reference_offset = _day_of_month_offset(pd.Series([reference])).iloc[0]
    return (whole_months + (reference_offset - _day_of_month_offset(dates)) / DAYS_PER_MONTH
            ).astype(float)


def month_of_year(dates: pd.Series) -> pd.Series:
    """The calendar month "1".."12" as a category (renewals and moves cluster in some months,
    and January is next to December only as a category, not as a number); NaN where missing."""
    months = dates.dt.month
    return months.astype("Int64").astype(str).where(months.notna()).astype(object)


def derive_date_features(dates: dict[str, pd.Series], reference: pd.Timestamp
                  ) -> tuple[pd.DataFrame, list[str], list[str], dict[str, list[str]]]:
    """(features, numeric names, categorical names, source column -> derived names)."""
    index = next(iter(dates.values())).index
    features, numeric, categorical = pd.DataFrame(index=index), [], []
    derived: dict[str, list[str]] = {}
    months = {name: months_from_reference(values, reference) for name, values in dates.items()}
    for name, values in dates.items():
        features[name + MONTHS_FROM_REFERENCE] = months[name]
        features[name + MONTH_OF_YEAR] = month_of_year(values)
        numeric.append(name + MONTHS_FROM_REFERENCE)
        categorical.append(name + MONTH_OF_YEAR)
        derived[name] = [name + MONTHS_FROM_REFERENCE, name + MONTH_OF_YEAR]
    paired = list(dates)[:MAX_PAIRED_DATE_COLUMNS]
    for position, earlier in enumerate(paired):
        for later in paired[position + 1:]:
            # months from the first column's date to the second's: a contract's length, the time
            # from the last change to the end; does not depend on the reference date
            span = f"{later}__months_after__{earlier}"
            features[span] = months[earlier] - months[later]
            numeric.append(span)
            derived[earlier].append(span)
            derived[later].append(span)
    return features, numeric, categorical, derived


def _level_counts(values: pd.Series) -> dict[str, int]:
    counts = values.value_counts()
    return {"levels": int(len(counts)), "rare_levels": int((counts < RARE_LEVEL_ROWS).sum())}


def prepare_table(frame: pd.DataFrame, label: str, id_column: str | None = None,
                  reference_date: pd.Timestamp | None = None) -> PreparedTable:
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
    # source column -> the features made from it, for the leak check (which names the column)
    sources: dict[str, list[tuple[str, str]]] = {}
    dates: dict[str, pd.Series] = {}
    for name in rows.columns:
        if name in (label, id_column):
            continue
        unique = rows[name].notna().all() and rows[name].is_unique and len(rows) > 20
        kind, values, reason = type_column(name, rows[name], unique)
        if kind == "dropped":
            prepared.dropped[name] = reason
            if reason.startswith(IDENTIFIER_REASONS):
                # the column's name and the reason; never one of its values
                prepared.warnings.append(f"column {name!r} dropped, not used as a feature: "
                                         f"{reason}")
        elif kind == "date":
            dates[name] = values
        else:
            prepared.features[name] = values
            (prepared.numeric if kind == "numeric" else prepared.categorical).append(name)
            sources[name] = [(name, kind)]
    if dates:
        reference = (reference_date if reference_date is not None
                     else max(values.max() for values in dates.values()).normalize())
        prepared.reference_date = reference.strftime("%Y-%m-%d")
        features, numeric, categorical, derived = derive_date_features(dates, reference)
        prepared.features = pd.concat([prepared.features, features], axis=1)
        prepared.numeric += numeric
        prepared.categorical += categorical
        prepared.date_features = derived
        for name in dates:
            # its own features only: a span is shared with another date column
            sources[name] = [(name + MONTHS_FROM_REFERENCE, "numeric"),
                             (name + MONTH_OF_YEAR, "categorical")]
    for name, made in sources.items():
        if any(_single_column_auc(prepared.features[feature], labels, kind) >= LEAK_AUC
               for feature, kind in made):
            prepared.warnings.append(f"column {name!r} alone separates the label "
                                     f"(AUC >= {LEAK_AUC}): probably leaks the outcome")
    prepared.categorical_levels = {name: _level_counts(prepared.features[name])
                                   for name in prepared.categorical}
    if not prepared.numeric and not prepared.categorical:
        raise NoUsableFeatures("no usable feature column left: every column but the label was "
                               "dropped: " + "; ".join(f"{k!r} ({v})"
                                                        for k, v in prepared.dropped.items()))
    return prepared
