"""The app in a real browser: ``essaim app`` on the demo, driven in headless Chromium.

Debian's ``chromium`` (``.ci/run`` installs it) is driven by Playwright; no browser is
downloaded. Screenshots go to ``$ESSAIM_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from app.web import PAGES
from app.web.i18n import COLUMNS
from tests.app.conftest import HEADINGS, XSS
from tests.fixtures.browser import ARGUMENTS, CHROMIUM

CONTENT = {
    "overview": "Chiffres clés",
    "resource": "Arbre de cascade",
    "usage": "Entonnoir",
    "network": "comptes",
    "communities": "Comptes passerelles",
    "accounts": "pseudonymisés",
    "quality": "Méthodes",
    "compare": "Adoptions cumulées",
}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: The process id of the app server behind each URL.
SERVERS: dict[str, int] = {}


@contextmanager
def running_app(data: Path, folder: Path):
    """``essaim app`` on ``data`` until the block ends; yields its URL."""
    port = _free_port()
    log = folder / "app.log"
    environment = {**os.environ, "ESSAIM_CONFIG": "", "HOME": str(folder)}
    with open(log, "w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "--data", str(data), "app", "--no-browser",
             "--port", str(port)],
            stdout=output, stderr=subprocess.STDOUT, env=environment,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"the app did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
    SERVERS[url] = server.pid
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def app_url(demo_data, tmp_path_factory):
    with running_app(demo_data, tmp_path_factory.mktemp("app")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    opened.dialogs = []
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("ESSAIM_SCREENSHOTS")
    folder = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(page, app_url: str, name: str):
    page.goto(f"{app_url}/{'' if name == 'overview' else name}")
    heading = page.get_by_role("heading", name=HEADINGS["fr"][name], exact=True)
    heading.wait_for(timeout=60_000)
    page.get_by_text(CONTENT[name]).first.wait_for(timeout=60_000)
    return heading


def _network(page):
    """The vis-network frame, once its canvas is drawn and in view, and where it is."""
    frame = page.frame_locator("iframe").first
    frame.locator("canvas").first.wait_for(timeout=60_000)
    element = page.locator("iframe").first
    element.scroll_into_view_if_needed()
    handle = element.element_handle()
    frame = handle.content_frame()
    frame.wait_for_function("typeof network !== 'undefined' && nodes.length > 0")
    return frame, handle.bounding_box()


# Zoom on a node (the first whose hover card starts with ``start``, or else the first with
# neighbours) and return a point of the frame where it is the node on top, and its
# neighbours; null if other nodes cover it entirely.
_ZOOM_ON_NODE = """(start) => {
  const frame = document.getElementById("mynetwork").getBoundingClientRect();
  for (const node of nodes.get()) {
    const wanted = start === null
      ? network.getConnectedNodes(node.id).length > 0 : node.title.startsWith(start);
    if (!wanted) continue;
    if (start !== null) { nodes.remove(node.id); nodes.add(node); }  // now drawn on top
    network.focus(node.id, {scale: 4, animation: false});
    const box = network.getBoundingBox(node.id);
    for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) {
      const at = network.canvasToDOM({x: box.left + (box.right - box.left) * i / 8,
                                      y: box.top + (box.bottom - box.top) * j / 8});
      if (network.getNodeAt(at) === node.id)
        return {id: node.id, x: at.x + frame.left, y: at.y + frame.top,
                neighbours: network.getConnectedNodes(node.id)};
    }
  }
  return null;
}"""


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_with_its_content(page, app_url, screenshots, name):
    _open(page, app_url, name)
    if name in ("network", "resource"):
        _network(page)
        page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(1500)  # let charts finish drawing
    page.screenshot(path=str(screenshots / f"{name}.png"))
    assert page.get_by_text("Traceback").count() == 0
    assert page.dialogs == []


def _watched(page) -> dict[str, list[str]]:
    """Record the page's console errors, failed requests and requests leaving the machine."""
    seen = {"console errors": [], "failed requests": [], "outside requests": []}
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not _BASE_PATH_PROBE.search(message.location.get("url", ""))
            and seen["console errors"].append(f"{message.text} ({message.location.get('url')})")
        ),
    )
    page.on(
        "requestfailed",
        lambda request: seen["failed requests"].append(f"{request.url} {request.failure}"),
    )

    def outside(request):
        host = urllib.parse.urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL:
            seen["outside requests"].append(request.url)

    page.on("request", outside)
    page.on(  # a 404 is not a failed request to the browser, but is one to a reader
        "response",
        lambda answer: (
            answer.status >= 400
            and not _BASE_PATH_PROBE.search(answer.url)
            and seen["failed requests"].append(f"{answer.url} {answer.status}")
        ),
    )
    return seen


#: Streamlit, opened at a page's address (``/network``), first asks for its server under that
#: path, then at the root: these 404s are how it finds where it is served, not a failure.
_BASE_PATH_PROBE = re.compile(r"^http://127\.0\.0\.1:\d+/[a-z]+/_stcore/(health|host-config)$")


LOCAL = {"127.0.0.1", "localhost"}


def _choose_language(page, language: str) -> None:
    if language == "en":
        page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
        page.get_by_role("heading", name=HEADINGS["en"][page.essaim_name], exact=True).wait_for(
            timeout=60_000
        )


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_stays_on_this_machine_without_errors(page, app_url, name, language):
    seen = _watched(page)
    _open(page, app_url, name)
    page.essaim_name = name
    _choose_language(page, language)
    if name in ("network", "resource"):
        _network(page)
    page.wait_for_timeout(2000)  # late requests: charts, frames, fonts
    assert seen == {"console errors": [], "failed requests": [], "outside requests": []}


#: A raw column name: two or more lower-case words joined by underscores.
RAW_NAME = re.compile(r"\b[a-z]{2,}(?:_[a-z]{2,})+\b")
#: Words of that shape that are data, not labels: the demo's channels (in the runs' queries)
#: and the tracking parameters links carry (in the methods).
NAMES_IN_DATA = {"einspe_actus", "reseaucanope_actus", "utm_campaign", "utm_medium", "utm_source"}


@pytest.mark.parametrize("name", PAGES)
def test_a_french_page_shows_no_raw_or_english_header(page, app_url, demo_data, name):
    _open(page, app_url, name)
    page.wait_for_timeout(2000)
    text = page.get_by_test_id("stMain").inner_text()
    # Streamlit draws its icons as ligatures of a font: "expand_more" is an arrow, not a word
    icons = set(page.locator("[data-testid='stIconMaterial']").all_inner_texts())
    assert [word for word in RAW_NAME.findall(text) if word not in icons | NAMES_IN_DATA] == []
    headers = page.locator("th, [role='columnheader']").all_inner_texts()
    french = {names[0] for names in COLUMNS.values()}
    with duckdb.connect(str(demo_data / "essaim.duckdb"), read_only=True) as connection:
        # the adopters per community have a column per resource, named by its id
        rows = connection.sql("SELECT resource_id FROM catalogue").fetchall()
    resources = {resource for (resource,) in rows}
    unknown = {header.strip() for header in headers} - french - resources - {""}
    assert unknown == set()


def test_clicking_a_node_focuses_on_it_and_its_neighbours(page, app_url):
    _open(page, app_url, "network")
    frame, box = _network(page)
    target = frame.evaluate(_ZOOM_ON_NODE, None)
    colours = "Object.fromEntries(nodes.get().map(n => [n.id, n.color]))"
    before = frame.evaluate(colours)
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    assert frame.evaluate("network.getSelectedNodes()") == [target["id"]]
    # the focus greys the others: lighter for neighbours of neighbours, faint for the rest
    after = frame.evaluate(colours)
    greys = ["rgba(150,150,150,0.75)", "rgba(200,200,200,0.5)"]
    kept = {target["id"], *target["neighbours"]}
    assert all(after[node] == before[node] for node in kept)
    assert all(colour in greys for node, colour in after.items() if node not in kept)
    assert greys[1] in after.values()


def test_an_html_like_name_is_shown_as_text_in_the_hover_card(page, app_url):
    _open(page, app_url, "network")
    frame, box = _network(page)
    node = frame.evaluate(_ZOOM_ON_NODE, XSS)
    assert node is not None, "the institution named like HTML is not in the view"
    tooltip = frame.locator("div.vis-tooltip")
    for _ in range(3):  # a hover card needs the pointer to arrive on the node, and rest
        page.mouse.move(box["x"] + 5, box["y"] + 5)
        page.mouse.move(box["x"] + node["x"], box["y"] + node["y"], steps=8)
        page.wait_for_timeout(600)
        if tooltip.is_visible():
            break
    tooltip.wait_for(state="visible", timeout=10_000)
    assert tooltip.inner_text().startswith(XSS)  # the characters, not an image
    assert frame.locator("img").count() == 0
    assert page.dialogs == []


_COLOURED = "nodes.get().filter(node => node.color.background !== '#dddddd').length"


def _adopters_after_redraw(page, before: int | None, timeout: float = 60) -> int:
    """How many nodes the network colours (adopters), once that differs from ``before`` (the
    view is redrawn in a new frame)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            frame, _ = _network(page)
            coloured = frame.evaluate(_COLOURED)
        except Exception:  # the frame was replaced while read: read the new one
            coloured = before
        if coloured != before or time.monotonic() > deadline:
            return coloured
        page.wait_for_timeout(500)


def test_the_time_slider_changes_what_the_network_shows(page, app_url, screenshots):
    _open(page, app_url, "network")
    everyone = _adopters_after_redraw(page, None)
    page.get_by_role("slider").last.focus()
    page.keyboard.press("Home")  # the first day of adoptions
    first_day = _adopters_after_redraw(page, everyone)
    assert 0 < first_day < everyone  # the first adopters only
    page.keyboard.press("End")
    assert _adopters_after_redraw(page, first_day) == everyone
    # the replay starts on the first day and ends on the last, with every adopter coloured again
    page.get_by_role("button", name="Rejouer").click()
    started = _adopters_after_redraw(page, everyone)
    assert started < everyone
    page.wait_for_timeout(3000)
    page.screenshot(path=str(screenshots / "network-replay.png"))
    assert _adopters_after_redraw(page, started, timeout=120) >= started
    deadline = time.monotonic() + 120
    while _adopters_after_redraw(page, None, timeout=1) != everyone:
        assert time.monotonic() < deadline, "the replay never reached the last day"
        page.wait_for_timeout(1000)
    assert page.get_by_text("Traceback").count() == 0


def test_the_cascade_tree_replays_who_adopted_when(page, app_url, screenshots):
    _open(page, app_url, "resource")
    page.get_by_text("Comment elle s'est diffusée").wait_for()
    page.wait_for_timeout(1500)  # let the timeline finish drawing
    page.screenshot(path=str(screenshots / "resource-story.png"))  # the top: the story
    frame, _ = _network(page)
    grey = "nodes.get().filter(node => node.color.background === '#dddddd').length"
    assert frame.evaluate(grey) == 0  # the last day: every adopter drawn
    page.get_by_role("slider").last.focus()
    page.keyboard.press("Home")
    deadline = time.monotonic() + 60
    while True:
        try:
            frame, _ = _network(page)
            faded, total = frame.evaluate(grey), frame.evaluate("nodes.length")
        except Exception:
            faded, total = 0, 0
        if faded or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    assert 0 < faded < total  # the root adopted on the first day; later adopters faded
    page.screenshot(path=str(screenshots / "cascade-replay.png"))


def test_the_report_opens_offline_in_the_browser(browser, demo_data, tmp_path, screenshots):
    from tests.app.test_cli import essaim

    target = tmp_path / "report.html"
    made = essaim("--data", demo_data, "report", "--period", "2026-10-01..2026-10-31",
                  "--lang", "fr", "--out", target)  # fmt: skip
    assert made.returncode == 0, made.stderr
    context = browser.new_context(viewport={"width": 1000, "height": 1400}, offline=True)
    page = context.new_page()
    asked, errors = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(target.as_uri())
    page.get_by_role("heading", name="Ce qui a décollé").wait_for(timeout=30_000)
    page.screenshot(path=str(screenshots / "report.png"))
    assert [url for url in asked if not url.startswith(("file:", "data:"))] == []
    assert errors == []
    context.close()


def test_a_table_downloads_as_csv_with_its_sidecar(page, app_url, tmp_path):
    _open(page, app_url, "accounts")
    page.get_by_test_id("stPopover").first.get_by_role("button").first.click()  # the menu
    saved = []
    for label in ("CSV", "métadonnées"):  # the menu stays open: downloads do not rerun
        button = page.get_by_test_id("stDownloadButton").filter(has_text=label).first
        button.wait_for(state="visible", timeout=10_000)
        with page.expect_download() as started:
            button.click()
        path = tmp_path / started.value.suggested_filename
        started.value.save_as(path)
        saved.append(path)
    table, sidecar = saved
    assert table.name == "accounts.csv"
    assert table.read_text(encoding="utf-8").splitlines()[0].startswith("platform,account,")
    assert sidecar.name == "accounts.csv.meta.json"
    assert '"analysis"' in sidecar.read_text(encoding="utf-8")


def _memory_mib(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of a process and its children, in MiB."""
    total = [0.0, 0.0]
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for process in [pid, *map(int, children)]:
        status = Path(f"/proc/{process}/status").read_text()
        for index, field in enumerate(("VmRSS", "VmHWM")):
            total[index] += int(re.search(rf"{field}:\s+(\d+) kB", status)[1]) / 1024
    return total[0], total[1]


def test_twenty_sessions_at_once_are_served_without_error(browser, app_url):
    """A bounded load test: 20 sessions open pages at once; each must render, none may show
    an error. The server's memory is printed (README, "Security and operations")."""
    names = ["overview", "resource", "communities", "accounts", "network"] * 4
    contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in names]
    pages = [context.new_page() for context in contexts]
    # a busy machine answers late (20 page runs share 2 cores: 100-200 s); only errors fail
    late = 400_000
    for page, name in zip(pages, names, strict=True):  # every session starts at once
        page.goto(
            f"{app_url}/{'' if name == 'overview' else name}", wait_until="commit", timeout=late
        )
    try:
        for page, name in zip(pages, names, strict=True):
            page.get_by_role("heading", name=HEADINGS["fr"][name], exact=True).wait_for(
                timeout=late
            )
            page.get_by_text(CONTENT[name]).first.wait_for(timeout=late)
        for page in pages:
            assert page.locator("[data-testid='stException']").count() == 0
            assert "Traceback" not in page.content()
        resident, peak = _memory_mib(SERVERS[app_url])
        print(f"\napp server with 20 sessions: {resident:.0f} MiB resident, peak {peak:.0f} MiB")
        assert peak < 4096
    finally:
        for context in contexts:
            context.close()


def test_a_damaged_database_is_one_sentence_not_a_traceback(browser, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "essaim.duckdb").write_bytes(b"not a database" * 4096)
    with running_app(data, tmp_path) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        page.get_by_text("the database is damaged").wait_for(timeout=60_000)
        assert "Traceback" not in page.content() and 'File "' not in page.content()
        context.close()
