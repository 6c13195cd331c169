"""The app's speed in headless Chromium (run on demand: python -m tests.benchmarks.bench_app).

1. Warm page loads of the overview and resource pages on the demo (``essaim demo --no-app``
   run first into a temporary folder): with the app open in the browser, each page is
   opened from the sidebar once (caches fill), then timed over five more visits, from the
   click until its content is drawn and Streamlit has finished running the script (median).
   Target ≤ 1 s. Baseline of the same run: the same page on an empty store (what
   Streamlit itself costs).
2. A 5,000-node network view: the sociability network of the demo's generator at 5,000
   teachers, drawn by the app's adapter (layout computed in Python, physics off), timed from
   opening the page until vis-network has drawn it. Target ≤ 3 s. Baseline: a 100-node view.

Needs Debian's chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
from playwright.sync_api import sync_playwright

from app.demo.network import NetworkShape, teacher_network
from app.web.i18n import text
from app.web.network import network_html, palette, pruned
from graph.store import Store
from tests.fixtures.browser import ARGUMENTS, CHROMIUM

PAGES = {"overview": "Chiffres clés", "resource": "Catégories d'adoptants (Rogers)"}
EMPTY_PAGES = {"overview": "essaim analyze", "resource": "essaim analyze"}
LOADS = 5


def _serve(data: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "app",
        "--data",
        str(data),
        "app",
        "--no-browser",
        "--port",
        str(port),
    ]
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ESSAIM_CONFIG": ""},
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(180):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the app did not start")


def _navigate(page, name: str, marker: str) -> float:
    """Seconds from a click on the page's link in the sidebar until it is drawn."""
    started = time.perf_counter()
    page.get_by_test_id("stSidebarNavLink").filter(has_text=text(f"page.{name}", "fr")).click()
    page.get_by_text(marker).first.wait_for(timeout=60_000)
    page.wait_for_function(  # Streamlit shows its status widget while the script runs
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    return time.perf_counter() - started


def _warm_loads(browser, url: str, markers: dict[str, str]) -> dict[str, float]:
    """Median seconds to open each page from another one, the app open and its caches full."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.get_by_test_id("stSidebarNavLink").first.wait_for(timeout=60_000)
    timings = {}
    for name, marker in markers.items():
        times = []
        for _ in range(LOADS + 1):  # the first fills the caches
            _navigate(page, "quality", "Qualité des données")
            times.append(_navigate(page, name, marker))
        timings[name] = float(np.median(times[1:]))
    page.close()
    return timings


def _network_view(browser, folder: Path, teachers: int) -> tuple[int, float, float]:
    """(nodes, seconds to build the page in Python, seconds until the browser drew it)."""
    accounts, follows = teacher_network(
        NetworkShape(teachers=teachers), np.random.default_rng(0), []
    )
    started = time.perf_counter()
    nodes = pd.DataFrame(
        {
            "id": accounts["account"],
            "label": " ",
            "title": accounts["account"],
            "color": accounts["community"].factorize()[0] % 10,
            "size": 6
            + np.log1p(
                follows["followee"].value_counts().reindex(accounts.index, fill_value=0).to_numpy()
            )
            * 3,
        }
    )
    nodes["color"] = nodes["color"].map(palette)
    edges = follows.rename(columns={"follower": "source", "followee": "target"})
    nodes, edges = pruned(nodes, edges.assign(weight=1.0), 5_000, "size")  # as the page does
    html = network_html(nodes, edges)
    built = time.perf_counter() - started
    path = folder / f"network-{teachers}.html"
    path.write_text(
        html.replace(
            "network = new vis.Network(container, data, options);",
            "network = new vis.Network(container, data, options);"
            " network.once('afterDrawing', () => { window.drawn = true; });",
        ),
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    started = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function("window.drawn === true", timeout=120_000)
    drawn = time.perf_counter() - started
    page.close()
    return len(nodes), built, drawn


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        demo, empty = folder / "demo", folder / "empty"
        print("running the demo (collect, load, analyse)…", flush=True)
        subprocess.run(
            [sys.executable, "-m", "app", "--data", str(demo), "demo", "--no-app"],
            check=True,
            capture_output=True,
            cwd=folder,
            env={**os.environ, "ESSAIM_CONFIG": ""},
        )
        Store(empty / "essaim.duckdb").close()
        servers = [_serve(demo), _serve(empty)]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
                loaded = _warm_loads(browser, servers[0][1], PAGES)
                baseline = _warm_loads(browser, servers[1][1], EMPTY_PAGES)
                for name, seconds in loaded.items():
                    print(
                        f"{name} page, warm load on the demo: {seconds:.2f} s (target ≤ 1 s;"
                        f" {seconds / baseline[name]:.1f}× the empty-store page,"
                        f" {baseline[name]:.2f} s)"
                    )
                small = _network_view(browser, folder, 100)
                large = _network_view(browser, folder, 5_000)
                for nodes, built, drawn in (small, large):
                    print(
                        f"network view of {nodes:,} nodes: built in {built:.2f} s, drawn in "
                        f"{drawn:.2f} s, ready in {built + drawn:.2f} s"
                    )
                ratio = (large[1] + large[2]) / (small[1] + small[2])
                print(
                    f"5,000-node view: {large[1] + large[2]:.2f} s (target ≤ 3 s; {ratio:.1f}× "
                    "the 100-node view)"
                )
                browser.close()
        finally:
            for server, _ in servers:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
