"""The report's speed on the demo (run on demand: python -m tests.benchmarks.bench_report [DATA]).

``essaim report --period month --pdf`` in French and in English on the demo's data (DATA, a
folder ``essaim demo --no-app`` filled; by default the demo is run first into a temporary
folder), timed in-process from opening the store to the PDF written, best of three. Target
≤ 10 s each. Baseline of the same run: reading whole the tables the report reads
(cascades, cascade trees, roles, take-off episodes, communities, journeys, campaign effects,
funnel), what any report must at least do; the figures gathered alone are timed beside.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.config import load_settings
from app.report.build import gather
from app.report.write import write_report
from graph.store import Store
from graph.store.results.tables import table_frame

TABLES = ["cascades", "cascade_trees", "account_roles", "takeoff_episodes", "communities",
          "journeys", "campaign_effects", "funnel"]  # fmt: skip
RUNS = 3


def best(work) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def read_tables(database: Path) -> None:
    with Store(database, read_only=True) as store:
        for name in TABLES:
            table_frame(store.connection, name)


def main(data: Path) -> None:
    settings = load_settings(None, data)
    baseline = best(lambda: read_tables(settings.database))
    print(f"baseline: reading the report's tables {baseline:.2f} s")

    def gathered():
        with Store(settings.database, read_only=True) as store:
            gather(store, "month")

    print(f"figures gathered: {best(gathered):.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        for language in ("fr", "en"):
            target = Path(folder) / f"report-{language}.html"
            took = best(lambda: write_report(settings, "month", language, target, pdf=True))  # noqa: B023
            verdict = "ok" if took <= 10 else "OVER the 10 s target"
            pdf = target.with_suffix(".pdf").stat().st_size / 1e3
            print(f"report {language} (HTML and PDF): {took:.2f} s, {took / baseline:.1f}x the "
                  f"baseline, {target.stat().st_size / 1e3:.0f} kB HTML, {pdf:.0f} kB PDF: "
                  f"{verdict}")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as home:
            demo = Path(home) / "data"
            subprocess.run([sys.executable, "-m", "app", "--data", str(demo), "demo", "--no-app"],
                           check=True, capture_output=True, cwd=home)  # fmt: skip
            main(demo)
