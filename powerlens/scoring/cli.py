"""`powerlens churn-eval FILE.csv --label COLUMN [--id COLUMN] [--reference-date YYYY-MM-DD]`:
judge three model families (logistic regression, random forest, gradient boosting) on any
customer table and print one JSON object on stdout.

stderr carries progress lines (`churn-eval: [12.3 s] ...`: reading, features, every model of
every fold, the final choice), warnings (`churn-eval: warning: ...`, also in the JSON) and, on
failure, one error line (`churn-eval: error: ...`) as the last line. No line ever holds a value
from a data row: they name the file, the column or the option. Exit codes: 0 evaluated,
2 bad input (file, label, option), 3 no usable feature column (every column but the label was
dropped as an identifier, free text, personal data, empty or constant)."""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings

# scikit-learn and pandas are imported inside the functions that run churn-eval: this module is
# loaded to build the parser of every `powerlens` sub-command, and they cost seconds to import
BAD_INPUT = 2
NO_USABLE_FEATURE = 3
# below this ROC-AUC the best model ranks customers hardly better than a coin: said in a warning
CHANCE_ROC_AUC = 0.55


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "churn-eval",
        help="cross-validate the churn models on a customer CSV and print metrics as JSON",
        description="Train logistic regression, random forest and histogram gradient boosting "
                    "on FILE by stratified 5-fold cross-validation (each tuned inside its training "
                    "folds) and print one JSON object with ROC-AUC, PR-AUC, Brier score and the "
                    "model with the best PR-AUC. Date columns become months from a reference "
                    "date, month of year and spans between dates.")
    parser.add_argument("file", help="CSV with a header row, one customer per row")
    parser.add_argument("--label", required=True, help="column holding churned yes/no (1/0, t/f ...)")
    parser.add_argument("--id", dest="id_column", help="identifier column, never used as a feature")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--threshold", type=float,
                        help="probability at which a customer is flagged (default: flag as many "
                             "customers as there are positives)")
    parser.add_argument("--reference-date", metavar="YYYY-MM-DD",
                        help="date the durations are measured against, usually the snapshot "
                             "date of the table (default: the latest date in the table)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="fits run at once on a large table (over 30,000 labelled rows; "
                             "default: 2, or 1 on a one-core machine)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress lines on stderr (warnings and errors still)")
    parser.set_defaults(func=run)


def _json_safe(value):
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value


class Progress:
    """Stage lines on stderr with the seconds since the start; silent when not wanted."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = time.perf_counter()

    def __call__(self, line: str) -> None:
        if self.enabled:
            print(f"churn-eval: [{time.perf_counter() - self.started:6.1f} s] {line}",
                  file=sys.stderr, flush=True)

    @staticmethod
    def warn(line: str) -> None:
        """Printed even with --quiet."""
        print(f"churn-eval: warning: {line}", file=sys.stderr, flush=True)


def evaluate_file(path: str, label: str, id_column: str | None, seed: int,
                  threshold: float | None, reference_date: str | None = None,
                  drop_columns: tuple[str, ...] = (), progress=None, jobs: int = 1,
                  warn=None) -> dict:
    """The churn-eval JSON object for the CSV at ``path``. ``drop_columns`` are left out before
    anything else happens (used to measure what a column adds). ``progress`` hears one line per
    stage and ``warn`` every warning as it arises (both also end up in the JSON); ``jobs`` folds
    are fitted at once on a large table."""
    from powerlens.scoring.crossval import FOLDS, cross_validate
    from powerlens.scoring.tabular import (InputError, parse_reference_date, prepare_table,
                                           read_table)

    progress = progress or (lambda line: None)
    warn = warn or (lambda line: None)
    if threshold is not None and not 0 < threshold < 1:
        raise InputError(f"--threshold must be between 0 and 1, got {threshold}")
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    reference = parse_reference_date(reference_date) if reference_date is not None else None
    progress(f"reading {path}")
    frame = read_table(path)
    progress(f"read {len(frame):,} rows x {len(frame.columns)} columns; typing columns and "
             "making features")
    try:
        table = prepare_table(frame.drop(columns=list(drop_columns)), label, id_column, reference)
    except InputError as error:
        # the messages name the column; the file is named here, once
        raise type(error)(f"{path}: {error}") from None
    del frame
    for warning in table.warnings:
        warn(warning)
    progress(f"features: {len(table.numeric)} numeric, {len(table.categorical)} categorical, "
             f"{len(table.dropped)} columns dropped; {len(table.labels):,} labelled rows, "
             f"{int(table.labels.sum()):,} positive; cross-validating "
             f"{FOLDS} folds x 3 models")
    result = cross_validate(table, seed, threshold, progress=progress, jobs=jobs)
    best_roc_auc = max(metrics["roc_auc"] for metrics in result["models"].values())
    if best_roc_auc < CHANCE_ROC_AUC:
        table.warnings.append(
            f"no model ranks churners better than chance (best ROC-AUC {best_roc_auc:.3f} < "
            f"{CHANCE_ROC_AUC}): the columns left as features carry no usable signal; see "
            "dropped_columns")
        warn(table.warnings[-1])
    progress(f"chose {result['chosen_model']} (PR-AUC {result['pr_auc']:.3f}, ROC-AUC "
             f"{result['roc_auc']:.3f})")
    return {
        "file": str(path), "label": label, "positive_label": table.positive_label,
        **{key: value for key, value in result.items() if key != "models"},
        "rows_without_label": table.rows_without_label,
        "numeric_features": table.numeric, "categorical_features": table.categorical,
        "dropped_columns": table.dropped, "warnings": table.warnings,
        "models": result["models"], "folds": FOLDS,
        "reference_date": table.reference_date, "date_features": table.date_features,
        "categorical_levels": table.categorical_levels,
    }


def run(args: argparse.Namespace) -> int:
    from powerlens.scoring.tabular import InputError, NoUsableFeatures

    progress = Progress(not args.quiet)
    try:
        # library warnings may quote data values (an unknown category, an unparsed cell): none
        # reaches the terminal; churn-eval's own warnings are in the JSON and the progress lines
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = evaluate_file(args.file, args.label, args.id_column, args.seed,
                                   args.threshold, args.reference_date, progress=progress,
                                   jobs=args.jobs, warn=progress.warn)
    except NoUsableFeatures as error:
        print(f"churn-eval: error: {error}", file=sys.stderr)
        return NO_USABLE_FEATURE
    except InputError as error:
        print(f"churn-eval: error: {error}", file=sys.stderr)
        return BAD_INPUT
    except Exception as error:  # noqa: BLE001 - a user's file must never end in a stack trace
        # only the kind of error: a library's message may quote a value from a data row
        print(f"churn-eval: error: cannot evaluate {args.file}: {type(error).__name__} "
              "(message withheld: it may quote a value from the file)", file=sys.stderr)
        return BAD_INPUT
    print(json.dumps(_json_safe(result), ensure_ascii=False))
    return 0
