"""The report as one self-contained HTML page: the figures of :func:`app.report.build.gather`
written in French or English, every value escaped, charts as SVG images inside the page.

Nothing in the page is fetched: no font, script, style sheet or image from elsewhere (the
charts are drawn by vl-convert, without a browser, and embedded as ``data:`` URIs).
"""

from __future__ import annotations

import base64
import functools
from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import jinja2
import pandas as pd

from app.report import words
from app.web.i18n import day

__all__ = ["render"]

_TEMPLATE = Path(__file__).with_name("report.html")
_LOCALES = {"fr": "fr-FR", "en": "en-GB"}
#: Okabe and Ito's colour-blind-safe palette.
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"]


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    return environment.from_string(_TEMPLATE.read_text("utf-8"))


def render(figures: dict, language: str, made: datetime | None = None) -> str:
    """Return the report page of ``figures`` in ``language`` (``fr`` or ``en``)."""

    def interval(low, high):
        return f"{words.figure(low, language, 2)} – {words.figure(high, language, 2)}"

    return _template().render(
        **{**figures, "methods": figures["methods"][language]},
        lang=language,
        made=made or datetime.now(UTC),
        charts={
            "daily": _daily_chart(figures["daily"], language),
            "resources": _resources_chart(figures["resources"], language),
        },
        w=lambda key, **values: words.word(key, language, **values),
        figure=lambda value, digits=None: words.figure(value, language, digits),
        change=lambda value, digits=None: words.change(value, language, digits),
        moment=lambda value: words.moment(value, language),
        day=lambda value: words.figure(None, language) if value is None else day(value, language),
        community=lambda label: words.community(label, language),
        episode=lambda row: words.episode(row, language),
        interval=interval,
    )


def _image(chart: alt.Chart, language: str) -> str:
    """``chart`` drawn as SVG with numbers and dates written as in ``language``, fetching
    nothing, as a ``data:`` URI."""
    import vl_convert

    locale = _LOCALES[language]
    svg = vl_convert.vegalite_to_svg(
        chart.to_json(), allowed_base_urls=[], format_locale=locale, time_format_locale=locale
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _daily_chart(daily: list[dict], language: str) -> str | None:
    """Stacked bars of the period's adoptions per day and platform."""
    if not daily:
        return None
    frame = pd.DataFrame(daily)
    frame["day"] = pd.to_datetime(frame["day"], utc=True).dt.strftime("%Y-%m-%d")
    chart = (
        alt.Chart(frame, width=600, height=200)
        .mark_bar()
        .encode(
            x=alt.X(
                "yearmonthdate(day):T",
                title=words.word("chart.day", language),
                axis=alt.Axis(format="%d %b", labelAngle=-45),
            ),
            y=alt.Y(
                "adoptions:Q",
                stack=True,
                title=words.word("col.adoptions", language),
                axis=alt.Axis(format="d"),
            ),
            color=alt.Color(
                "platform:N",
                title=words.word("chart.platform", language),
                scale=alt.Scale(range=PALETTE),
            ),
        )
        .properties(title=words.word("chart.daily", language))
    )
    return _image(chart, language)


def _resources_chart(resources: list[dict], language: str) -> str | None:
    """Bars of the adoptions of the period's most adopted resources, beside the period before."""
    if not resources:
        return None
    top = sorted(resources, key=lambda r: (-r["adoptions"], r["resource_id"]))[:10]
    this, before = words.word("chart.this", language), words.word("chart.previous", language)
    rows = [
        {"resource": (r["title"] or r["resource_id"])[:40], "which": which, "adoptions": value}
        for r in top
        for which, value in ((this, r["adoptions"]), (before, r["adoptions_before"] or 0))
    ]
    chart = (
        alt.Chart(pd.DataFrame(rows), width=420)
        .mark_bar()
        .encode(
            y=alt.Y("resource:N", title=None, sort=None),
            yOffset=alt.YOffset("which:N", sort=[this, before]),
            x=alt.X(
                "adoptions:Q",
                title=words.word("col.adoptions", language),
                axis=alt.Axis(format="d"),
            ),
            color=alt.Color(
                "which:N",
                title=words.word("chart.which", language),
                sort=[this, before],
                scale=alt.Scale(range=PALETTE[:2]),
            ),
        )
        # room on the left: a PDF's font may draw the names wider than Vega measured them
        .properties(title=words.word("chart.resources", language), padding={"left": 30})
    )
    return _image(chart, language)
