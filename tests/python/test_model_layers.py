"""The model graph reads top to bottom (scripts/check_layers.py, docs/architecture.md "Layers").

The project test parses the real project into a private target folder and runs the check on
its manifest; the unit tests feed the checker small hand-made manifests, so a rule the checker
stopped enforcing fails here too.
"""
from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from conftest import REPO_ROOT, bin_path, dbt_env, run_command

CHECKER_PATH = REPO_ROOT / "scripts" / "check_layers.py"


def load_checker():
    spec = importlib.util.spec_from_file_location("check_layers", CHECKER_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


check_layers = load_checker()


def model(name: str, path: str, parents: list[str] = ()) -> tuple[str, dict]:
    return f"model.powerlens.{name}", {
        "name": name, "resource_type": "model", "original_file_path": path,
        "depends_on": {"nodes": list(parents), "macros": []},
    }


def manifest_of(*nodes: tuple[str, dict], sources: dict | None = None) -> dict:
    seed = ("seed.powerlens.tariffs", {"name": "tariffs", "resource_type": "seed",
                                       "original_file_path": "seeds/tariffs.csv"})
    return {"nodes": dict([seed, *nodes]), "sources": sources or {}}


def test_the_project_reads_top_to_bottom(tmp_path):
    env = dbt_env(tmp_path)
    run_command([bin_path("dbt"), "parse", "--quiet"], env=env)
    manifest = tmp_path / "target" / "manifest.json"
    result = run_command([bin_path("python"), str(CHECKER_PATH), "--manifest", str(manifest)],
                         env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # the real graph is what was checked: every layer and several chapters are in it
    places = {check_layers.place_of(node) for node in json.loads(manifest.read_text())["nodes"].values()
              if node["resource_type"] == "model"}
    assert {place.layer for place in places} == {"staging", "intermediate", "core", "scoring", "chapter"}
    assert len({place.chapter for place in places if place.chapter}) >= 6


def test_a_clean_graph_has_no_violations():
    manifest = manifest_of(
        model("stg_cis__bills", "models/staging/cis/stg_cis__bills.sql"),
        model("int_credit__bill_settlement", "models/intermediate/credit/int_credit__bill_settlement.sql",
              ["model.powerlens.stg_cis__bills", "seed.powerlens.tariffs"]),
        model("fct_bill_settlement", "models/marts/core/fct_bill_settlement.sql",
              ["model.powerlens.int_credit__bill_settlement"]),
        model("py_scores", "models/python/py_scores.py", ["model.powerlens.fct_bill_settlement"]),
        model("mart_ch3_a", "models/marts/ch3_credit/mart_ch3_a.sql",
              ["model.powerlens.fct_bill_settlement", "model.powerlens.py_scores"]),
        model("mart_ch3_b", "models/marts/ch3_credit/mart_ch3_b.sql", ["model.powerlens.mart_ch3_a"]),
    )
    assert check_layers.check_manifest(manifest) == []


@pytest.mark.parametrize("child_path, parent_path, reason", [
    ("models/intermediate/credit/int_x.sql", "models/marts/core/fct_y.sql", "intermediate reads core, a later layer"),
    ("models/intermediate/value/int_x.sql", "models/marts/ch3_credit/mart_ch3_y.sql",
     "intermediate reads chapter mart (ch3_credit), a later layer"),
    ("models/marts/core/fct_x.sql", "models/python/py_y.py", "core reads scoring, a later layer"),
    ("models/python/py_x.py", "models/marts/ch5_churn/mart_ch5_y.sql",
     "scoring reads chapter mart (ch5_churn), a later layer"),
    ("models/staging/cis/stg_x.sql", "models/intermediate/credit/int_y.sql",
     "staging reads intermediate, a later layer"),
    ("models/marts/ch6_value/mart_ch6_x.sql", "models/marts/ch2_consumption/mart_ch2_y.sql",
     "chapter mart (ch6_value) reads another chapter's mart (ch2_consumption)"),
    ("models/reports/x.sql", "models/staging/cis/stg_y.sql", "the model's folder belongs to no layer"),
])
def test_a_bad_edge_is_flagged(child_path, parent_path, reason):
    parent_name = parent_path.rsplit("/", 1)[1].split(".")[0]
    child_name = child_path.rsplit("/", 1)[1].split(".")[0]
    manifest = manifest_of(model(parent_name, parent_path),
                           model(child_name, child_path, [f"model.powerlens.{parent_name}"]))
    violations = check_layers.check_manifest(manifest)
    assert [str(v) for v in violations] == [f"{child_name} -> {parent_name}: {reason}"]


def test_source_outside_staging_is_flagged():
    source = {"source.powerlens.cis.bills": {"name": "bills", "resource_type": "source",
                                             "original_file_path": "models/staging/cis/_cis__sources.yml"}}
    manifest = manifest_of(
        model("stg_cis__bills", "models/staging/cis/stg_cis__bills.sql", ["source.powerlens.cis.bills"]),
        model("int_x", "models/intermediate/credit/int_x.sql", ["source.powerlens.cis.bills"]),
        sources=source,
    )
    assert [str(v) for v in check_layers.check_manifest(manifest)] == [
        "int_x -> bills: intermediate reads a source; source() is for staging only"]


def test_the_command_fails_and_lists_the_edge(tmp_path):
    manifest = manifest_of(
        model("mart_ch2_y", "models/marts/ch2_consumption/mart_ch2_y.sql"),
        model("mart_ch1_x", "models/marts/ch1_customer_base/mart_ch1_x.sql", ["model.powerlens.mart_ch2_y"]),
    )
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    result = run_command([bin_path("python"), str(CHECKER_PATH), "--manifest", str(path)], check=False)
    assert result.returncode == 1
    assert "mart_ch1_x -> mart_ch2_y: chapter mart (ch1_customer_base) reads another chapter's mart" in result.stdout
