"""How a run tells new, changed, removed and unchanged raw files apart, and when it must rebuild
everything (powerlens.pipeline.raw_files; docs/incremental.md)."""
from __future__ import annotations

import os
from pathlib import Path

from powerlens.pipeline import raw_files

HEADER = "customer_id,reading_date,kwh_sharp\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def by_path(states):
    return {state.relative_path: state for state in states}


def test_only_new_changed_and_removed_files_are_reported(tmp_path):
    raw = tmp_path / "raw"
    write(raw / "meter_readings" / "2024-01.csv", HEADER + "C1,2024-01-01,1\n")
    write(raw / "meter_readings" / "2024-02.csv", HEADER + "C1,2024-02-01,1\n")
    gone = write(raw / "surveys" / "2024-01.csv", "survey_id\nS1\n")
    before = by_path(raw_files.scan(raw))
    assert set(before) == {"meter_readings/2024-01.csv", "meter_readings/2024-02.csv",
                           "surveys/2024-01.csv"}

    # February corrected (same size, so only the digest can tell), January copied again
    # (new modification time, same bytes), March new, the surveys file gone
    write(raw / "meter_readings" / "2024-02.csv", HEADER + "C1,2024-02-01,2\n")
    january = raw / "meter_readings" / "2024-01.csv"
    os.utime(january, ns=(before["meter_readings/2024-01.csv"].modified_ns + 10**9,) * 2)
    write(raw / "meter_readings" / "2024-03.csv", HEADER + "C1,2024-03-01,1\n")
    gone.unlink()

    changes = raw_files.compare(before, raw_files.scan(raw, before))
    assert {(change.relative_path, change.change) for change in changes} == {
        ("meter_readings/2024-02.csv", "changed"),
        ("meter_readings/2024-03.csv", "new"),
        ("surveys/2024-01.csv", "removed"),
    }


def test_an_unchanged_size_and_time_reuses_the_recorded_digest(tmp_path):
    """A file whose size and modification time match is not read again (a 60 M-row export
    costs one stat): the recorded digest is kept even if it were stale."""
    raw = tmp_path / "raw"
    write(raw / "customers.csv", "customer_id\nC1\n")
    recorded = by_path(raw_files.scan(raw))
    stale = {path: raw_files.RawFileState(state.table_name, path, state.size_bytes,
                                          state.modified_ns, "recorded-digest")
             for path, state in recorded.items()}
    assert raw_files.scan(raw, stale)[0].sha256 == "recorded-digest"
    assert raw_files.scan(raw)[0].sha256 == raw_files.file_digest(raw / "customers.csv")


SETTINGS = {"project": "p1", "raw_dir": "/w/runs/current/raw", "as_of_date": "2024-09-10",
            "exclude_scoring": "true"}


def test_a_build_continues_only_when_nothing_but_raw_files_and_a_later_as_of_changed():
    assert raw_files.build_mode(SETTINGS, SETTINGS, full_refresh=False)[0] == "incremental"
    later = {**SETTINGS, "as_of_date": "2024-10-10"}
    assert raw_files.build_mode(SETTINGS, later, full_refresh=False)[0] == "incremental"
    earlier = {**SETTINGS, "as_of_date": "2024-08-10"}
    assert raw_files.build_mode(SETTINGS, earlier, full_refresh=False) == (
        "full", "the as-of date went back from 2024-09-10")
    for name in ("project", "raw_dir", "exclude_scoring"):
        mode, reason = raw_files.build_mode(SETTINGS, {**SETTINGS, name: "other"}, False)
        assert (mode, reason) == ("full", f"{name} differs from the published build's")
    assert raw_files.build_mode({}, SETTINGS, False)[0] == "full"
    assert raw_files.build_mode(SETTINGS, SETTINGS, full_refresh=True)[0] == "full"


def test_the_project_fingerprint_follows_the_models(tmp_path):
    write(tmp_path / "models" / "a.sql", "select 1")
    write(tmp_path / "dbt_project.yml", "name: x")
    first = raw_files.project_fingerprint(tmp_path)
    assert raw_files.project_fingerprint(tmp_path) == first
    write(tmp_path / "models" / "a.sql", "select 2")
    assert raw_files.project_fingerprint(tmp_path) != first
