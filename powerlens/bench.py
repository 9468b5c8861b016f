"""`powerlens bench`: generate a sample, run the hand-written baseline and the pipeline, time both.

    powerlens bench --customers 20000 --months 24 [--format csv|parquet] [--json bench.json]

Three child processes, one after the other, on the same raw files:
1. `powerlens generate` writes the raw export (timed);
2. `benchmarks/baseline_duckdb.py` computes the core results with hand-written DuckDB SQL (timed;
   the yardstick the SQL models are held against);
3. `powerlens run` preflights, builds staging, runs the quality gate, builds the marts and the
   Python models and publishes (timed per stage).

Stage timings of the run come from the moments its progress lines ("[<run id>] preflight of ...",
"[<run id>] dbt: seeds and staging ...", "[<run id>] quality gate ...", "[<run id>] dbt:
intermediate models ...", "[<run id>] publishing") reach this process: its stdout is read line
by line as the pipeline flushes each one. dbt's node timings come from the run folder: per-step
run_results files when the pipeline keeps them, else the last step's target/run_results.json and
the dbt logs (`... [OK in 0.35s]` lines).

Peak memory: a thread samples /proc every 0.5 s and sums the resident memory of the child and
all its descendants (the pipeline starts dbt as a grandchild, and both live at once), keeping
the highest sum; the kernel's own high-water mark of the largest single process of each child's
tree comes from wait4(). Both are reported.

The ratio: the dbt SQL models' execution time (sum over nodes, both dbt steps) against the
baseline's time from its connect to its last table written; and the same for only the "core"
models, the ones that compute what the baseline computes (readings, customers, bills and
payments staged with their rejects, monthly usage, recomputed bills, payment allocation,
settlement, month-end balances, and the seeds they read). The issue's target is at most 1.5.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BASELINE_SCRIPT = REPO_ROOT / "benchmarks" / "baseline_duckdb.py"
TARGET_RATIO = 1.5
POLL_SECONDS = 0.5

# The run's stages, in order, and the progress line that starts each (after "[<run id>] ").
RUN_STAGE_MARKERS = (
    ("preflight", "preflight of "),
    ("staging", "dbt: seeds and staging"),
    ("gate", "quality gate"),
    ("marts", "dbt: intermediate models"),
    ("publish", "publishing"),
)
STAGES = ("generate", "baseline", "preflight", "staging", "gate", "marts", "publish", "total run")

# --skip-scoring runs `powerlens run` with this option: the Python churn and value models and
# everything built on them stay out of the build (powerlens.pipeline.dbt.SCORING_SELECTION).
RUN_SKIP_SCORING_OPTION = "--exclude-scoring"

# The dbt nodes that compute what benchmarks/baseline_duckdb.py computes, matched by name (a
# model moved to another folder still counts). Each entry lists alternative names, first the
# model that holds the logic; only the first one present in the run counts, so a thin contracted
# mart over an intermediate model is not counted twice.
CORE_NODE_GROUPS = (
    ("code_labels",), ("regions",), ("tariffs",), ("power_factor_adjustment",),
    ("base_cis__customers",), ("stg_cis__customers",), ("stg_cis__customers__rejected",),
    ("base_mdm__meter_readings",), ("stg_mdm__meter_readings",), ("stg_mdm__meter_readings__rejected",),
    ("base_cis__bills",), ("stg_cis__bills",), ("stg_cis__bills__rejected",),
    ("base_cis__payments",), ("stg_cis__payments",), ("stg_cis__payments__rejected",),
    ("int_consumption__customer_months",), ("int_billing__recomputed_bills",),
    ("int_credit__month_ends",), ("int_credit__payment_allocations",),
    ("int_credit__bill_settlement", "fct_bill_settlement"),
    ("int_credit__bill_month_end_balances", "fct_bill_month_end_balances"),
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")
NODE_LINE = re.compile(r"\b\d+ of \d+ (?P<status>[A-Z][A-Z-]*) (?P<what>.+?) \.*\s*\[(?P<result>[^\]]*?) in "
                       r"(?P<seconds>\d+(?:\.\d+)?)s\]")
MODEL_WHAT = re.compile(r"created (?P<language>sql|python) \w+ model (?P<relation>\S+)")
SEED_WHAT = re.compile(r"loaded seed file (?P<relation>\S+)")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="benchmark generate, the hand-written DuckDB baseline and `powerlens run`",
        description="Generate a sample, run the hand-written DuckDB baseline "
                    "(benchmarks/baseline_duckdb.py) and `powerlens run` on it as child processes; "
                    "print the stage times, the slowest dbt nodes, the SQL models' time against "
                    "the baseline, peak memory and load, as a table and as JSON.")
    parser.add_argument("--customers", type=int, required=True, help="accounts to generate")
    parser.add_argument("--months", type=int, default=24, help="months to generate (default 24)")
    parser.add_argument("--start", default="2024-01", help="first month, YYYY-MM (default 2024-01)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--format", dest="file_format", choices=("csv", "parquet"), default="parquet",
                        help="raw file format (default parquet)")
    parser.add_argument("--work", type=Path, default=None,
                        help="working folder (default: a temporary folder, removed unless --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument("--skip-scoring", action="store_true",
                        help="leave the Python churn/value models and what depends on them out of "
                             f"the run (`powerlens run {RUN_SKIP_SCORING_OPTION}`)")
    parser.add_argument("--target", choices=("duckdb", "spark"), default="duckdb",
                        help="the engine `powerlens run` builds on (default duckdb; spark: local "
                             "Apache Spark, docs/spark.md)")
    parser.add_argument("--increment", action="store_true",
                        help="write the sample as monthly export files (`powerlens split-months`) "
                             "and after the full run add one more month and run again: the "
                             "monthly run that continues the published build (docs/incremental.md)")
    parser.add_argument("--json", dest="json_path", type=Path, default=None,
                        help="also write the report as JSON to this file")
    parser.set_defaults(func=bench_command)


def export_date(start: str, months: int) -> dt.date:
    """The generator's export date: the last day of the month after the last generated month."""
    year, month = map(int, start.split("-"))
    index = year * 12 + month - 1 + months + 1
    return dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)


# --- child processes: time and memory ------------------------------------------------------

def _page_size() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 4096


def process_tree_rss(root_pid: int) -> int:
    """Resident bytes of ``root_pid`` and all its descendants, from /proc (0 when gone)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces; the ppid follows the state
        fields = stat[stat.rfind(b")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
    tree, frontier = {root_pid}, [root_pid]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _page_size()
        except (OSError, IndexError, ValueError):
            continue
    return total


class TreeMemoryMonitor:
    """Samples the resident memory of a process tree every ``interval`` seconds in a thread."""

    def __init__(self, pid: int, interval: float = POLL_SECONDS):
        self.pid, self.interval = pid, interval
        self.peak_bytes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.peak_bytes = max(self.peak_bytes, process_tree_rss(self.pid))
            self.samples += 1
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> "TreeMemoryMonitor":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class ChildResult:
    def __init__(self, name: str, command: list[str]):
        self.name, self.command = name, command
        self.returncode: int | None = None
        self.seconds = 0.0
        self.peak_tree_rss_mb = 0.0
        self.max_process_rss_mb = 0.0
        self.stdout_lines: list[tuple[float, str]] = []  # (seconds since start, line)
        self.stderr_path: Path | None = None

    def as_dict(self) -> dict:
        return {"command": self.command, "returncode": self.returncode,
                "seconds": round(self.seconds, 3), "peak_tree_rss_mb": round(self.peak_tree_rss_mb, 1),
                "max_process_rss_mb": round(self.max_process_rss_mb, 1)}


def run_child(name: str, command: list[str], log_dir: Path, echo: bool = False) -> ChildResult:
    """Run ``command``, reading its stdout line by line with the moment each line arrived;
    wall time, peak resident memory of its process tree and the kernel's peak of its largest
    process (wait4) are recorded."""
    result = ChildResult(name, command)
    result.stderr_path = log_dir / f"{name}.stderr.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with result.stderr_path.open("w", encoding="utf-8") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=stderr, text=True, bufsize=1, errors="replace")
        with TreeMemoryMonitor(process.pid) as monitor:
            assert process.stdout is not None
            for line in process.stdout:
                result.stdout_lines.append((time.perf_counter() - started, line.rstrip("\n")))
                if echo:
                    print(f"  {name}| {line.rstrip()}", flush=True)
            _, status, usage = os.wait4(process.pid, 0)
            result.seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    result.returncode = process.returncode
    result.peak_tree_rss_mb = monitor.peak_bytes / 2**20
    result.max_process_rss_mb = usage.ru_maxrss / 1024  # Linux: kB
    return result


# --- what the run left in its folder -----------------------------------------------------------

def run_stage_seconds(run: ChildResult) -> tuple[dict[str, float], str | None]:
    """Seconds per stage from the moments the run's progress lines arrived; the last stage ends
    when the process exits. Also the run id. Time before the first line is `run_startup`."""
    starts: dict[str, float] = {}
    run_id = None
    for at, line in run.stdout_lines:
        match = re.match(r"\[(?P<run_id>[^\]]+)\] (?P<rest>.*)", line)
        if not match:
            continue
        for stage, marker in RUN_STAGE_MARKERS:
            if stage not in starts and match["rest"].startswith(marker):
                starts[stage] = at
                run_id = run_id or match["run_id"]
    seconds: dict[str, float] = {}
    ordered = [(stage, starts[stage]) for stage, _ in RUN_STAGE_MARKERS if stage in starts]
    if ordered:
        seconds["run_startup"] = round(ordered[0][1], 3)
    for index, (stage, at) in enumerate(ordered):
        end = ordered[index + 1][1] if index + 1 < len(ordered) else run.seconds
        seconds[stage] = round(end - at, 3)
    return seconds, run_id


def _node_type(unique_id: str) -> str:
    return unique_id.split(".", 1)[0]


def nodes_from_run_results(path: Path, step: str, manifest: dict) -> list[dict]:
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    nodes = []
    for result in results:
        unique_id = result["unique_id"]
        node = manifest.get(unique_id, {})
        nodes.append({
            "step": step, "name": node.get("name") or unique_id.rsplit(".", 1)[-1],
            "unique_id": unique_id, "type": _node_type(unique_id),
            "language": node.get("language") if _node_type(unique_id) == "model" else None,
            "status": result.get("status"), "seconds": round(float(result.get("execution_time") or 0), 3),
            "source": path.name,
        })
    return nodes


def nodes_from_log(path: Path, step: str) -> list[dict]:
    """Finished nodes from a dbt log's `N of M STATUS ... [RESULT in 1.23s]` lines."""
    nodes = []
    for raw_line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = NODE_LINE.search(ANSI.sub("", raw_line))
        if not match or match["status"] == "START":
            continue
        what = match["what"].strip()
        language, node_type = None, "test"
        if model := MODEL_WHAT.search(what):
            node_type, language, name = "model", model["language"], model["relation"].rsplit(".", 1)[-1]
        elif seed := SEED_WHAT.search(what):
            node_type, name = "seed", seed["relation"].rsplit(".", 1)[-1]
        else:
            name = what.split()[0]
            node_type = "unit_test" if "::" in name else "test"
        nodes.append({"step": step, "name": name, "unique_id": None, "type": node_type,
                      "language": language, "status": match["status"].lower(),
                      "seconds": float(match["seconds"]), "source": path.name})
    return nodes


def dbt_nodes(run_dir: Path) -> tuple[list[dict], list[str]]:
    """Every finished dbt node of both steps, with where its timing came from."""
    manifest = {}
    manifest_path = run_dir / "target" / "manifest.json"
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8")).get("nodes", {})
        except ValueError:
            manifest = {}
    notes, nodes = [], []
    for step in ("staging", "marts"):
        kept = [run_dir / f"dbt_{step}_run_results.json", run_dir / f"run_results_dbt_{step}.json",
                run_dir / "target" / f"run_results_{step}.json"]
        found = next((path for path in kept if path.exists()), None)
        log = run_dir / f"dbt_{step}.log"
        if found is not None:
            nodes += nodes_from_run_results(found, step, manifest)
        elif step == "marts" and (run_dir / "target" / "run_results.json").exists():
            # the last dbt step's results are the marts step's
            nodes += nodes_from_run_results(run_dir / "target" / "run_results.json", step, manifest)
        elif log.exists():
            nodes += nodes_from_log(log, step)
            notes.append(f"{step} node timings parsed from {log.name} (run_results.json of that "
                         "step is overwritten by the next step)")
        else:
            notes.append(f"no dbt node timings found for the {step} step")
    return nodes, notes


# --- the report ---------------------------------------------------------------------------------

def summarise(nodes: list[dict], baseline_seconds: float) -> dict:
    sql_models = [n for n in nodes if n["type"] == "model" and n["language"] == "sql"]
    python_models = [n for n in nodes if n["type"] == "model" and n["language"] == "python"]
    built = {n["name"]: n for n in nodes if n["type"] in ("model", "seed")}
    core, core_missing = [], []
    for group in CORE_NODE_GROUPS:
        present = next((name for name in group if name in built), None)
        if present is None:
            core_missing.append(" / ".join(group))
        else:
            core.append(built[present])
    sql_seconds = sum(n["seconds"] for n in sql_models)
    core_seconds = sum(n["seconds"] for n in core)

    def ratio(seconds: float) -> float | None:
        return round(seconds / baseline_seconds, 2) if baseline_seconds > 0 and seconds > 0 else None

    return {
        "sql_models": len(sql_models),
        "sql_models_seconds": round(sql_seconds, 3),
        "python_models": len(python_models),
        "python_models_seconds": round(sum(n["seconds"] for n in python_models), 3),
        "tests": sum(1 for n in nodes if n["type"] in ("test", "unit_test")),
        "tests_seconds": round(sum(n["seconds"] for n in nodes if n["type"] in ("test", "unit_test")), 3),
        "seeds_seconds": round(sum(n["seconds"] for n in nodes if n["type"] == "seed"), 3),
        "core_nodes": sorted(n["name"] for n in core),
        "core_nodes_missing": core_missing,
        "core_seconds": round(core_seconds, 3),
        "baseline_seconds": round(baseline_seconds, 3),
        "sql_models_vs_baseline": ratio(sql_seconds),
        "core_vs_baseline": ratio(core_seconds),
        "target": TARGET_RATIO,
    }


def format_table(report: dict) -> str:
    lines = []
    params = report["parameters"]
    lines.append(f"powerlens bench: {params['customers']:,} customers x {params['months']} months from "
                 f"{params['start']}, {params['format']}, seed {params['seed']}"
                 f"{', scoring skipped' if params['skip_scoring'] else ''}")
    env = report["environment"]
    lines.append(f"cpus {env['cpu_count']}, load average (1 min) {env['load_average_1m_before']:.2f} before, "
                 f"{env['load_average_1m_after']:.2f} after; duckdb {env.get('duckdb_version', '?')}")
    lines.append("")
    lines.append(f"{'stage':<12} {'seconds':>9}  {'peak RSS MB':>11}  {'max proc MB':>11}  note")
    memory = report["peak_rss_mb"]
    single = report["max_process_rss_mb"]
    notes = {"generate": "powerlens generate", "baseline": "benchmarks/baseline_duckdb.py (child wall time)",
             "preflight": "raw file checks and normalisation", "staging": "dbt build: seeds, staging + tests",
             "gate": "quality gate (Great Expectations)", "marts": "dbt build: intermediate, marts, python + tests",
             "publish": "Parquet export and swap", "total run": "powerlens run, spawn to exit"}
    for stage in STAGES:
        seconds = report["stages"].get(stage)
        child = {"generate": "generate", "baseline": "baseline", "total run": "run"}.get(stage)
        seconds_text = f"{seconds:>9.2f}" if seconds is not None else f"{'-':>9}"
        rss_text = f"{memory[child]:>11.1f}  {single[child]:>11.1f}" if child in memory else " " * 24
        lines.append(f"{stage:<12} {seconds_text}  {rss_text}  {notes[stage]}")
    if "run_startup" in report["stages"]:
        lines.append(f"{'(startup)':<12} {report['stages']['run_startup']:>9.2f}  {'':>24}  "
                     "powerlens run before its first stage (imports)")
    lines.append("")
    lines.append("10 slowest dbt nodes")
    lines.append(f"{'seconds':>8}  {'step':<8} {'type':<14} name")
    for node in report["slowest_nodes"]:
        kind = node["type"] + (f"/{node['language']}" if node.get("language") else "")
        lines.append(f"{node['seconds']:>8.2f}  {node['step']:<8} {kind:<14} {node['name']}")
    lines.append("")
    summary = report["dbt"]
    lines.append(f"SQL models: {summary['sql_models']} in {summary['sql_models_seconds']:.2f} s (sum of node times); "
                 f"python models: {summary['python_models']} in {summary['python_models_seconds']:.2f} s; "
                 f"tests: {summary['tests']} in {summary['tests_seconds']:.2f} s")
    lines.append(f"baseline (hand-written DuckDB, in-script): {summary['baseline_seconds']:.2f} s")

    def verdict(value):
        if value is None:
            return "n/a"
        return f"{value:.2f}x ({'within' if value <= TARGET_RATIO else 'above'} the {TARGET_RATIO}x target)"

    lines.append(f"ratio, all SQL models / baseline:  {verdict(summary['sql_models_vs_baseline'])}")
    lines.append(f"ratio, core models ({len(summary['core_nodes'])} nodes, {summary['core_seconds']:.2f} s) / baseline: "
                 f"{verdict(summary['core_vs_baseline'])}")
    if summary["core_nodes_missing"]:
        lines.append(f"  core nodes not found in this run: {', '.join(summary['core_nodes_missing'])}")
    lines.append(f"peak RSS: sum over the child's process tree sampled every {POLL_SECONDS} s (run: pipeline "
                 f"+ dbt) = {memory.get('run', 0):.1f} MB; largest single process (kernel high-water "
                 f"mark, wait4) = {single.get('run', 0):.1f} MB")
    if report.get("increment"):
        lines += ["", *format_increment(report["increment"])]
    for note in report["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def format_increment(increment: dict) -> list[str]:
    changes = increment.get("raw_file_changes") or {}
    lines = [f"one more month ({increment['build_mode']} build, as of {increment['as_of']}; raw files "
             f"{changes.get('new', 0)} new, {changes.get('changed', 0)} changed, "
             f"{changes.get('removed', 0)} removed): {increment['stages']['total run']:.2f} s, "
             f"{increment['share_of_full_run']:.1%} of the full run, peak RSS {increment['peak_rss_mb']:.1f} MB"]
    lines.append("  stages: " + ", ".join(f"{stage} {seconds:.2f} s"
                                          for stage, seconds in increment["stages"].items()))
    lines.append("  slowest dbt nodes: " + ", ".join(f"{node['name']} {node['seconds']:.2f} s"
                                                     for node in increment["slowest_nodes"][:6]))
    return lines


def _powerlens() -> str:
    candidate = Path(sys.executable).parent / "powerlens"
    return str(candidate) if candidate.exists() else "powerlens"


def bench(args: argparse.Namespace) -> tuple[int, dict | None]:
    work = args.work or Path(tempfile.mkdtemp(prefix="powerlens_bench_"))
    work = work.resolve()
    raw, warehouse, logs = work / "raw", work / "warehouse", work / "logs"
    for stale in (raw, warehouse):  # a reused folder starts clean: no previous run to compare with
        if stale.exists():
            shutil.rmtree(stale)
    logs.mkdir(parents=True, exist_ok=True)
    as_of = export_date(args.start, args.months)
    load_before = os.getloadavg()[0]
    children: dict[str, ChildResult] = {}

    def failed(child: ChildResult) -> tuple[int, None]:
        stderr = child.stderr_path.read_text(encoding="utf-8", errors="replace") if child.stderr_path else ""
        tail = "\n".join(line for _, line in child.stdout_lines[-10:])
        print(f"powerlens bench: {child.name} failed (exit {child.returncode}): {' '.join(child.command)}\n"
              f"{tail}\n{stderr[-3000:]}\n  working folder kept: {work}", file=sys.stderr)
        return 1, None

    # with --increment one more month is generated; the full run reads the export as it stood
    # at the end of the benchmarked months, the monthly run the one a month later
    generated = work / "generated" if args.increment else raw
    generated_months = args.months + (1 if args.increment else 0)
    print(f"bench: generating {args.customers:,} x {generated_months} months ({args.file_format}) "
          f"into {generated}", flush=True)
    children["generate"] = run_child("generate", [
        _powerlens(), "generate", "--customers", str(args.customers), "--start", args.start,
        "--months", str(generated_months), "--seed", str(args.seed), "--out", str(generated),
        "--format", args.file_format, "--quiet"], logs)
    if children["generate"].returncode:
        return failed(children["generate"])
    if args.increment:
        # the benchmarked months' files; as_of (the end of the month after) lets their bills be issued
        last_month = (as_of.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        children["split"] = run_child("split", [
            _powerlens(), "split-months", "--raw", str(generated), "--out", str(raw),
            "--through", last_month], logs)
        if children["split"].returncode:
            return failed(children["split"])

    print("bench: hand-written DuckDB baseline", flush=True)
    children["baseline"] = run_child("baseline", [
        sys.executable, str(BASELINE_SCRIPT), "--raw", str(raw), "--db", str(work / "baseline.duckdb"),
        "--as-of", as_of.isoformat()], logs)
    if children["baseline"].returncode:
        return failed(children["baseline"])
    baseline_report = json.loads(children["baseline"].stdout_lines[-1][1])

    print(f"bench: powerlens run (as of {as_of})", flush=True)
    run_command = [_powerlens(), "run", "--raw", str(raw), "--warehouse", str(warehouse),
                   "--as-of", as_of.isoformat(), "--target", args.target]
    if args.skip_scoring:
        run_command.append(RUN_SKIP_SCORING_OPTION)
    children["run"] = run_child("run", run_command, logs, echo=True)
    if children["run"].returncode:
        return failed(children["run"])
    load_after = os.getloadavg()[0]

    increment = None
    if args.increment:
        increment = _run_increment(args, work, generated, raw, warehouse, logs, children)
        if isinstance(increment, ChildResult):
            return failed(increment)

    stage_seconds, run_id = run_stage_seconds(children["run"])
    notes = []
    run_dir = warehouse / "runs" / run_id if run_id else None
    nodes: list[dict] = []
    run_record = {}
    if run_dir and run_dir.exists():
        nodes, notes = dbt_nodes(run_dir)
        try:
            run_record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            notes.append("run.json not readable")
    else:
        notes.append("run folder not found: no dbt node timings")
    notes.append("stage times of the run are the gaps between its progress lines as read from its stdout")

    stages = {"generate": round(children["generate"].seconds, 3),
              "baseline": round(children["baseline"].seconds, 3),
              **stage_seconds, "total run": round(children["run"].seconds, 3)}
    slowest = sorted(nodes, key=lambda node: node["seconds"], reverse=True)[:10]
    report = {
        "benchmark": "powerlens_bench",
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "parameters": {"customers": args.customers, "months": args.months, "start": args.start,
                       "seed": args.seed, "format": args.file_format, "as_of": as_of.isoformat(),
                       "skip_scoring": args.skip_scoring, "target": args.target},
        "environment": {"cpu_count": os.cpu_count(), "load_average_1m_before": load_before,
                        "load_average_1m_after": load_after, "python": sys.version.split()[0],
                        "duckdb_version": baseline_report.get("duckdb_version")},
        "stages": stages,
        "peak_rss_mb": {name: round(child.peak_tree_rss_mb, 1) for name, child in children.items()},
        "max_process_rss_mb": {name: round(child.max_process_rss_mb, 1) for name, child in children.items()},
        "baseline": baseline_report,
        "dbt": summarise(nodes, float(baseline_report["seconds"])),
        "slowest_nodes": slowest,
        "run": {"run_id": run_id, "status": run_record.get("status"),
                "run_dir": str(run_dir) if run_dir else None},
        "raw_mb": round(sum(p.stat().st_size for p in raw.rglob("*") if p.is_file()) / 2**20, 1),
        "children": {name: child.as_dict() for name, child in children.items()},
        "notes": notes,
        "work": str(work) if (args.keep or args.work) else None,
    }
    if increment is not None:
        report["increment"] = increment
    report["ratio"] = report["dbt"]["sql_models_vs_baseline"]
    report["core_ratio"] = report["dbt"]["core_vs_baseline"]
    report["nodes"] = nodes
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0, report


def _run_increment(args, work: Path, generated: Path, raw: Path, warehouse: Path, logs: Path,
                   children: dict[str, ChildResult]) -> dict | ChildResult:
    """Add the next month's export files to the raw folder and run again; the figures of that
    monthly run, or the child that failed."""
    next_export = work / "next_month"
    children["split_next"] = run_child("split_next", [
        _powerlens(), "split-months", "--raw", str(generated), "--out", str(next_export)], logs)
    if children["split_next"].returncode:
        return children["split_next"]
    copied = 0
    for path in sorted(next_export.rglob("*")):
        target = raw / path.relative_to(next_export)
        if path.is_file() and (not target.exists() or target.read_bytes() != path.read_bytes()):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            copied += 1
    as_of = export_date(args.start, args.months + 1)
    print(f"bench: the next month ({copied} new or changed raw files): powerlens run (as of {as_of})",
          flush=True)
    command = [_powerlens(), "run", "--raw", str(raw), "--warehouse", str(warehouse),
               "--as-of", as_of.isoformat(), "--target", args.target]
    if args.skip_scoring:
        command.append(RUN_SKIP_SCORING_OPTION)
    child = children["increment"] = run_child("increment", command, logs, echo=True)
    if child.returncode:
        return child
    stage_seconds, run_id = run_stage_seconds(child)
    run_dir = warehouse / "runs" / run_id if run_id else None
    nodes, _ = dbt_nodes(run_dir) if run_dir and run_dir.exists() else ([], [])
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8")) if run_dir else {}
    full_seconds = children["run"].seconds
    return {
        "as_of": as_of.isoformat(), "raw_files_copied": copied,
        "build_mode": record.get("build_mode"), "raw_file_changes": record.get("raw_file_changes"),
        "stages": {**stage_seconds, "total run": round(child.seconds, 3)},
        "share_of_full_run": round(child.seconds / full_seconds, 3) if full_seconds else None,
        "peak_rss_mb": round(child.peak_tree_rss_mb, 1),
        "dbt": summarise(nodes, 0.0),
        "slowest_nodes": sorted(nodes, key=lambda node: node["seconds"], reverse=True)[:10],
        "run_id": run_id,
    }


def bench_command(args: argparse.Namespace) -> int:
    code, report = bench(args)
    if report is None:
        return code
    print()
    print(format_table(report))
    printable = {key: value for key, value in report.items() if key != "nodes"}
    print()
    print(json.dumps(printable, ensure_ascii=False))
    if args.json_path:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        args.json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return code
