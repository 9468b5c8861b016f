"""`powerlens` command line: one entry point, one module per command family.

Each command module exposes ``register(subparsers)`` which adds its sub-commands and sets
``func`` on them; the function returns the process exit code.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

COMMAND_MODULES = (
    "powerlens.generator.cli",  # powerlens generate
    "powerlens.pipeline.cli",  # powerlens run / publish
    "powerlens.scoring.cli",  # powerlens churn-eval
    "powerlens.scoring.spark_cli",  # powerlens score-spark
    "powerlens.bench",  # powerlens bench
    "powerlens.analyst.customer",  # powerlens customer
    "powerlens.analyst.doc_figures",  # powerlens doc-figures
    "powerlens.report.cli",  # powerlens report
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="powerlens",
        description="PowerLens: electric power customer behaviour analytics warehouse.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES:
        try:
            if importlib.util.find_spec(module_name) is None:
                continue
        except ModuleNotFoundError:
            continue
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
