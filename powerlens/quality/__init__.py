"""Data-quality gate: raw-file preflight, Great Expectations suites and the record of each run."""
