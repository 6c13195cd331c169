"""Moodle log import throughput (run on demand: python -m tests.benchmarks.bench_usage_import
[LINES]).

Writes an export of ``logstore_standard_log`` of LINES lines (default 10,000,000: 120 days,
400 courses, 20,000 users; 80 % course views, 12 % other events, 6 % enrolments, 2 %
completions), then measures, each in its own process:

- baseline: DuckDB counting the file's lines (the floor of any import that reads the file);
- ``essaim import moodle-logstore`` of the file, writing its daily counts as a raw run.

Prints both times, their ratio and the import's peak memory (targets: ≤ 60 s, ≤ 2 GB).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

_GENERATE = """
COPY (
    SELECT i AS id,
           CASE WHEN i % 50 = 0 THEN '\\core\\event\\course_completed'
                WHEN i % 50 < 4 THEN '\\core\\event\\user_enrolment_created'
                WHEN i % 50 < 10 THEN '\\mod_page\\event\\course_module_viewed'
                ELSE '\\core\\event\\course_viewed' END AS eventname,
           'core' AS component, 'viewed' AS action, 'course' AS target,
           i % 400 + 2 AS courseid, 50 AS contextlevel, i % 400 + 2 AS contextinstanceid,
           hash(i) % 20000 + 3 AS userid,
           CASE WHEN i % 50 < 4 THEN hash(i + 1) % 20000 + 3 END AS relateduserid,
           1756684800 + i * (120 * 86400 // $lines) AS timecreated,
           'web' AS origin, '10.0.0.1' AS ip
    FROM range($lines) AS t(i)
) TO '{path}' (HEADER)
"""
#: The baseline, in a process of its own: DuckDB counting the lines of the file.
_COUNT = (
    "import duckdb, sys; "
    "duckdb.sql('SELECT count(*) FROM read_csv($p)', params={'p': sys.argv[1]}).fetchall()"
)


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "logstore_standard_log.csv"
        start = time.perf_counter()
        with duckdb.connect() as db:
            db.execute(_GENERATE.format(path=path), {"lines": lines})
        size = path.stat().st_size / 1024**2
        print(f"generated {lines:,} lines ({size:,.0f} MiB) in {time.perf_counter() - start:.1f} s")
        baseline = _timed([sys.executable, "-c", _COUNT, str(path)])
        print(f"baseline (DuckDB counting the lines): {baseline:.1f} s")
        command = [sys.executable, "-m", "app", "--data", str(Path(folder) / "data"), "import"]
        seconds = _timed([*command, "moodle-logstore", str(path), "--site", "www.e-inspe.fr"])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2  # KiB → GiB
        print(
            f"essaim import moodle-logstore: {seconds:.1f} s (target ≤ 60 s; "
            f"{seconds / baseline:.1f}× the baseline), peak memory {peak:.2f} GiB "
            "(target ≤ 2 GB; the largest of both processes)"
        )


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode not in (0, 2):
        sys.exit(result.stderr)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
