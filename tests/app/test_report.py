"""``essaim report``: every section in both languages on the demo, nothing fetched from
elsewhere, names escaped, a PDF whose first page is drawn; figures worked by hand on the toy;
``watch`` sends each period's report once."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from markupsafe import escape

from app.cli.main import cli
from app.report import send
from app.report.build import gather, whats_new
from app.report.html import render
from app.report.words import word
from graph.store import Store
from tests.app.conftest import XSS
from tests.app.test_cli import essaim

SECTIONS = ["headline", "resources", "campaigns", "communities", "accounts", "journeys", "use",
            "quality", "methods"]  # fmt: skip
#: The demo's last complete month: every section has rows.
PERIOD = "2026-10"


@pytest.fixture(scope="module")
def reports(demo_data, tmp_path_factory):
    """The demo's report of October 2026 in each language: (HTML text, PDF path)."""
    folder, made = tmp_path_factory.mktemp("report"), {}
    for language in ("fr", "en"):
        target = folder / f"report-{language}.html"
        result = essaim("--data", demo_data, "report", "--period", "2026-10-01..2026-10-31",
                        "--lang", language, "--out", target, "--pdf")  # fmt: skip
        assert result.returncode == 0, result.stderr
        made[language] = (target.read_text("utf-8"), target.with_suffix(".pdf"))
    return made


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_section_is_there_in_its_language(reports, language):
    page, _ = reports[language]
    for section in SECTIONS:
        assert f'<h2 id="{section}">{word(section, language)}</h2>' in page
    assert f'<html lang="{language}">' in page
    assert "Inscriptions causées pour 100 adoptions" in page if language == "fr" else True


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_page_fetches_nothing_and_escapes_names(reports, language):
    page, _ = reports[language]
    tags = re.findall(r"<(?:img|script|link|style|iframe|source)\b[^>]*>", page, re.I)
    for tag in tags:
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", tag), tag
    assert "@import" not in page and "url(" not in page
    assert all(re.search(r'src="data:image/svg\+xml;base64,', tag) for tag in tags[1:])
    assert XSS not in page  # an institution named like markup is never markup


def test_the_french_page_has_no_column_name_and_writes_numbers_in_french(reports):
    page, _ = reports["fr"]
    shown = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|title)>.*?</\1>", " ", page, flags=re.S))
    shown = re.sub(r'data:[^"]+', "", shown)
    names = {"potential_reach", "structural_virality", "first_seen_at", "hours_after_first",
             "rate_ratio", "excess_enrolments", "coded_visits", "attributed_adoptions",
             "resource_id", "newsletter_clicks", "visits_social", "per_100"}  # fmt: skip
    assert not {name for name in names if name in shown}
    assert re.search(r"\d\u00a0\d{3}\b", shown)  # thousands apart with a no-break space
    assert not re.search(r"\b[1-9]\d{0,2},\d{3}\b", shown)  # no English thousands (0,201 is French)
    assert re.search(r"\d+,\d+", shown)  # decimal comma
    assert "oct. 2026" in shown and "Oct 2026" not in shown
    english, _ = reports["en"]
    assert re.search(r"\b[1-9]\d{0,2},\d{3}\b", english) and "Oct 2026" in english


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_pdf_first_page_is_drawn(reports, language):
    pdfium = pytest.importorskip("pypdfium2")
    _, pdf = reports[language]
    document = pdfium.PdfDocument(str(pdf))
    assert len(document) > 1
    image = document[0].render(scale=0.5).to_pil().convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * image.width * image.height  # text and a chart, not a blank page


def test_the_default_file_is_under_the_data_folder(demo_data):
    result = essaim("--data", demo_data, "report", "--period", "2026-09-28..2026-10-04")
    assert result.returncode == 0, result.stderr
    assert (demo_data / "reports" / "report-2026-09-28_2026-10-04-fr.html").exists()


def test_a_wrong_period_is_said_in_one_sentence(demo_data):
    result = essaim("--data", demo_data, "report", "--period", "fortnight")
    assert result.returncode == 1 and "'fortnight' is not week, month, term" in result.stderr


def test_the_toy_figures_worked_by_hand(data):
    """On 1 September 2026 (a Paris day) r1 was adopted by ana, bob (quote), cleo (reply),
    dan (repost) and gael, emma's repost has no time: 5 adoptions, 5 a day, none the day
    before; r2 once by hugo, alone in its cascade (no virality). No follower count is known:
    reach unknown, ranked after by virality (r1 first). ana, gael and hugo each started one
    cascade: originators on a tie, by name. Nothing took off (fewer than 5 adoptions an
    hour), no campaign, no usage."""
    assert essaim("--data", data, "analyze").returncode == 0
    with Store(data / "essaim.duckdb", read_only=True) as store:
        figures = gather(store, "2026-09-01..2026-09-01")
    first, second = figures["resources"]
    assert (first["resource_id"], second["resource_id"]) == ("r1", "r2")
    assert (first["adoptions"], first["velocity"], first["adoptions_change"]) == (5, 5.0, 5.0)
    assert first["potential_reach"] is None and second["structural_virality"] is None
    assert [a["label"] for a in figures["accounts"]["originators"]] == ["ana", "gael", "hugo"]
    assert [a["originated"] for a in figures["accounts"]["originators"]] == [1, 1, 1]
    assert figures["headline"] == [] and figures["campaigns"] == [] and figures["use"] is None
    assert figures["period"]["label"] == "2026-09-01..2026-09-01"
    assert figures["before"]["label"] == "2026-08-31..2026-08-31"
    page = render(figures, "fr")
    assert "Fractions" in page and ">+5<" in page and ">inconnu<" in page
    assert escape(word("headline.none", "fr")) in page and escape(word("use.none", "fr")) in page
    figures["resources"][0]["title"] = figures["accounts"]["originators"][0]["label"] = XSS
    page = render(figures, "en")
    assert XSS not in page and page.count("&lt;img src=x onerror=alert(1)&gt;") == 2


def test_watch_sends_each_period_report_once(data, tmp_path, monkeypatch):
    """Two cycles in the week after the toy's: the week's report goes to the folder once."""
    sent = tmp_path / "sent"
    config = tmp_path / "essaim.toml"
    config.write_text(f'[watch]\nreport = "week"\nreport_to = "folder:{sent}"\n'
                      'report_lang = "en"\n', "utf-8")  # fmt: skip
    monkeypatch.setattr(send, "clock", lambda: datetime(2026, 9, 8, 10, tzinfo=UTC))
    copies = []
    real_copy = send.shutil.copyfile
    monkeypatch.setattr(send.shutil, "copyfile", lambda a, b: copies.append(b) or real_copy(a, b))
    result = CliRunner().invoke(
        cli, ["--config", config, "--data", data, "watch", "--cycles", "2", "--every", "1s"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in sent.iterdir()) == ["report-2026-W36-en.html",
                                                      "report-2026-W36-en.pdf"]  # fmt: skip
    assert len(copies) == 2  # HTML and PDF, at the first cycle only
    assert "report of 2026-W36 sent" in result.output
    assert '"2026-W36"' in (data / "watch" / "reports.json").read_text()


def test_whats_new_is_the_last_seven_days_of_data_or_the_days_chosen(data, demo_data):
    """The toy's newest adoption is on 1 September (Paris): its 7 days end that day. On the
    demo, the resources' adoptions sum to the adoptions of those days, counted apart."""
    assert essaim("--data", data, "analyze").returncode == 0
    with Store(data / "essaim.duckdb", read_only=True) as store:
        news = whats_new(store.connection)
    assert news["period"]["label"] == "2026-08-26..2026-09-01"
    assert news["resources"]["resource_id"].tolist() == ["r1", "r2"]
    assert news["headline"] == []
    with Store(demo_data / "essaim.duckdb", read_only=True) as store:
        news = whats_new(store.connection)
        first, last = news["period"]["start"], news["period"]["end"]
        (counted,) = store.connection.execute(
            "SELECT count(*) FROM adoptions WHERE adopted_at >= ? AND adopted_at < ?",
            [first, last],
        ).fetchone()
        (newest,) = store.connection.execute("SELECT max(adopted_at) FROM adoptions").fetchone()
        chosen = whats_new(store.connection, date(2026, 10, 1), date(2026, 10, 31))
    assert first < newest < last and last - first <= timedelta(days=7, hours=1)
    assert news["resources"]["adoptions"].sum() == counted > 0
    assert all(first <= episode["start"] < last for episode in news["headline"])
    assert chosen["period"]["label"] == "2026-10-01..2026-10-31"
    assert chosen["headline"] == gather_headline(demo_data, "2026-10-01..2026-10-31")


def gather_headline(data, period: str) -> list[dict]:
    with Store(data / "essaim.duckdb", read_only=True) as store:
        return gather(store, period)["headline"]


def test_the_mail_speaks_the_report_language_and_the_watch_the_command_line_one(
    data, tmp_path, monkeypatch
):
    config = tmp_path / "essaim.toml"
    config.write_text('[watch]\nreport = "week"\nreport_to = "mailto:equipe@example.org"\n'
                      'report_lang = "en"\n', "utf-8")  # fmt: skip
    monkeypatch.setattr(send, "clock", lambda: datetime(2026, 9, 8, 10, tzinfo=UTC))
    mails = []
    monkeypatch.setattr(send, "send_mail", lambda settings, message: mails.append(message))
    result = CliRunner().invoke(cli, ["--lang", "fr", "--config", config, "--data", data,
                                      "watch", "--cycles", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "rapport de 2026-W36 envoyé à mailto:equipe@example.org" in result.output
    (mail,) = mails
    assert mail["Subject"] == "essaim: report 2026-W36"  # the report's language: English
    assert mail.get_body(("plain",)).get_content().startswith("The essaim report of 2026-W36")
    assert [part.get_filename() for part in mail.iter_attachments()] == [
        "report-2026-W36-en.html", "report-2026-W36-en.pdf"]  # fmt: skip
