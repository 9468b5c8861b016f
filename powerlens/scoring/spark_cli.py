"""`powerlens score-spark [--model-dir DIR] [--partitions N]`: write the dbt Python models'
tables (schema scoring) on the local Spark warehouse (POWERLENS_SPARK_HOME) with the saved churn
model, scoring per partition (powerlens.scoring.spark_entry, docs/spark.md "Scoring on Spark")."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "score-spark", help="score churn and value on Spark with the saved churn model",
        description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path,
                        help="the churn model artefact's folder (default: POWERLENS_CHURN_MODEL_DIR, "
                             "the churn_model_dir var, else $DBT_TARGET_PATH/churn_model)")
    parser.add_argument("--partitions", type=int,
                        help="partitions the customers are scored in (default: "
                             "spark.sql.shuffle.partitions)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from powerlens.scoring.spark_entry import ScoringUnavailable, score_warehouse
    from powerlens.spark.session import local_session

    spark = local_session()
    try:
        for name in score_warehouse(spark, args.model_dir, args.partitions):
            print(name)
    except ScoringUnavailable as error:
        print(f"score-spark: error: {error}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    return 0
