#!/usr/bin/env python3
"""Check that the dbt model graph reads top to bottom (docs/architecture.md, "Layers").

Reads dbt's manifest (run `dbt parse` first; this script runs it when no manifest exists yet)
and places every model in a layer by the folder it lives in:

    models/staging/...        staging       reads sources, seeds, staging
    models/intermediate/...   intermediate  reads seeds, staging, intermediate
    models/marts/core/...     core          reads seeds, staging, intermediate, core
    models/python/...         scoring       reads seeds, staging, intermediate, core, scoring
    models/marts/chN_.../     chapter chN   reads seeds, staging, intermediate, core, scoring
                                            and the marts of its own chapter folder

A model that reads a later layer, another chapter's mart or a source outside staging is an
offending edge; so is a model in a folder that belongs to no layer (a new folder must be
placed in a layer here first). Each is printed as `model -> parent: reason` and the exit
status is 1; with none the exit status is 0.

    .venv/bin/python scripts/check_layers.py [--manifest target/manifest.json] [--parse]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# the order the graph flows in: a model may read its own layer and the layers before it
LAYER_ORDER = ["source", "seed", "staging", "intermediate", "core", "scoring", "chapter"]
CHAPTER_FOLDER = re.compile(r"^models/marts/(ch\d+_[^/]+)/")
FOLDER_LAYERS = [
    ("models/staging/", "staging"),
    ("models/intermediate/", "intermediate"),
    ("models/marts/core/", "core"),
    ("models/python/", "scoring"),
]


@dataclass(frozen=True)
class Place:
    layer: str           # one of LAYER_ORDER, or "unknown"
    chapter: str | None  # the chapter folder (e.g. ch3_credit) for chapter marts


@dataclass(frozen=True)
class Violation:
    model: str
    parent: str
    reason: str

    def __str__(self) -> str:
        return f"{self.model} -> {self.parent}: {self.reason}"


def place_of(node: dict) -> Place:
    """The layer of a manifest node (model, seed or source) from its type and folder."""
    resource_type = node.get("resource_type")
    if resource_type == "source":
        return Place("source", None)
    if resource_type == "seed":
        return Place("seed", None)
    path = node.get("original_file_path", "").replace("\\", "/")
    chapter = CHAPTER_FOLDER.match(path)
    if chapter:
        return Place("chapter", chapter.group(1))
    for prefix, layer in FOLDER_LAYERS:
        if path.startswith(prefix):
            return Place(layer, None)
    return Place("unknown", None)


def describe(place: Place) -> str:
    return f"chapter mart ({place.chapter})" if place.layer == "chapter" else place.layer


def edge_problem(child: Place, parent: Place) -> str | None:
    """Why reading parent from child breaks the layer rules, or None when it is allowed."""
    if child.layer == "unknown":
        return "the model's folder belongs to no layer"
    if parent.layer == "unknown":
        return "the parent's folder belongs to no layer"
    if parent.layer == "source" and child.layer != "staging":
        return f"{describe(child)} reads a source; source() is for staging only"
    child_rank, parent_rank = LAYER_ORDER.index(child.layer), LAYER_ORDER.index(parent.layer)
    if parent_rank > child_rank:
        return f"{describe(child)} reads {describe(parent)}, a later layer"
    if child.layer == "chapter" and parent.layer == "chapter" and child.chapter != parent.chapter:
        return f"{describe(child)} reads another chapter's mart ({parent.chapter})"
    return None


def check_manifest(manifest: dict) -> list[Violation]:
    """Every offending edge from a model to the node it reads, in a stable order."""
    parents = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    violations = []
    for unique_id, node in sorted(manifest.get("nodes", {}).items()):
        if node.get("resource_type") != "model":
            continue
        child = place_of(node)
        for parent_id in sorted(set(node.get("depends_on", {}).get("nodes", []))):
            parent_node = parents.get(parent_id)
            if parent_node is None:
                continue  # macros, or a node another package owns: not part of the layers
            problem = edge_problem(child, place_of(parent_node))
            if problem:
                violations.append(Violation(node["name"], parent_node["name"], problem))
    return violations


def default_manifest() -> Path:
    target = os.environ.get("DBT_TARGET_PATH", "target")
    return (REPO_ROOT / target / "manifest.json").resolve()


def run_dbt_parse() -> None:
    # the dbt of the running interpreter's environment (the project's .venv), else the one on PATH
    dbt = Path(sys.executable).parent / "dbt"
    command = [str(dbt) if dbt.exists() else (shutil.which("dbt") or "dbt"), "parse", "--quiet"]
    subprocess.run(command, cwd=REPO_ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=None,
                        help="dbt manifest.json (default: $DBT_TARGET_PATH or target, under the repo)")
    parser.add_argument("--parse", action="store_true",
                        help="run `dbt parse` first even when the manifest exists")
    args = parser.parse_args(argv)
    manifest_path = args.manifest or default_manifest()
    if args.parse or not manifest_path.exists():
        if args.manifest is not None and not args.parse:
            print(f"no manifest at {manifest_path}; run `dbt parse` first", file=sys.stderr)
            return 2
        run_dbt_parse()
    manifest = json.loads(manifest_path.read_text())
    violations = check_manifest(manifest)
    for violation in violations:
        print(violation)
    models = sum(1 for node in manifest.get("nodes", {}).values() if node.get("resource_type") == "model")
    if violations:
        print(f"{len(violations)} edge(s) break the layer rules (docs/architecture.md, Layers)",
              file=sys.stderr)
        return 1
    print(f"layers ok: {models} models read top to bottom")
    return 0


if __name__ == "__main__":
    sys.exit(main())
