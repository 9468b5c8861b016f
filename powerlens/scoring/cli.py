"""`powerlens churn-eval FILE.csv --label COLUMN [--id COLUMN] [--reference-date YYYY-MM-DD]`:
judge three model families (logistic regression, random forest, gradient boosting) on any
customer table and print one JSON object. Bad input gives one line on stderr and exit 2."""
from __future__ import annotations

import argparse
import json
import math
import sys

# scikit-learn and pandas are imported inside the functions that run churn-eval: this module is
# loaded to build the parser of every `powerlens` sub-command, and they cost seconds to import
BAD_INPUT = 2


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
    parser.set_defaults(func=run)


def _json_safe(value):
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value


def evaluate_file(path: str, label: str, id_column: str | None, seed: int,
                  threshold: float | None, reference_date: str | None = None,
                  drop_columns: tuple[str, ...] = ()) -> dict:
    """The churn-eval JSON object for the CSV at ``path``. ``drop_columns`` are left out before
    anything else happens (used to measure what a column adds)."""
    from powerlens.scoring.crossval import FOLDS, cross_validate
    from powerlens.scoring.tabular import (InputError, parse_reference_date, prepare_table,
                                           read_table)

    if threshold is not None and not 0 < threshold < 1:
        raise InputError(f"--threshold must be between 0 and 1, got {threshold}")
    reference = parse_reference_date(reference_date) if reference_date is not None else None
    frame = read_table(path)
    try:
        table = prepare_table(frame.drop(columns=list(drop_columns)), label, id_column, reference)
    except InputError as error:
        # the messages name the column; the file is named here, once
        raise InputError(f"{path}: {error}") from None
    result = cross_validate(table, seed, threshold)
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
    from powerlens.scoring.tabular import InputError

    try:
        result = evaluate_file(args.file, args.label, args.id_column, args.seed, args.threshold,
                               args.reference_date)
    except InputError as error:
        print(f"churn-eval: error: {error}", file=sys.stderr)
        return BAD_INPUT
    except Exception as error:  # noqa: BLE001 - a user's file must never end in a stack trace
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(f"churn-eval: error: cannot evaluate {args.file}: {type(error).__name__}: {message}",
              file=sys.stderr)
        return BAD_INPUT
    print(json.dumps(_json_safe(result), ensure_ascii=False))
    return 0
