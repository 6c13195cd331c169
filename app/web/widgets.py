"""Tables, charts and graphs on a page, each with its downloads and their ``.meta.json``.

Every download carries the same sidecar as ``essaim export`` writes: the essaim version, the
analysis and its parameters, the source runs, the methods paragraph, and what the file holds.
"""

from __future__ import annotations

import functools
import html
import io
import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from app.web.context import Context
from app.web.data import version_of
from app.web.i18n import CHART_LOCALES, PHRASED, SHARES, WORDED, cell, column_name
from app.web.network import PALETTE, layout, network_html
from graph.export import file_stem, formula_safe_frame, sidecar_bytes, write_gexf, write_graphml
from graph.networks import provenance_of
from graph.store import Store

__all__ = ["chart", "daily_bars", "displayed", "graph_downloads", "narrative", "network", "table"]


#: Tables of at most this many rows are drawn as plain tables, larger ones as scrolling grids.
SMALL_TABLE = 20


@st.cache_data(show_spinner=False, max_entries=8)
def _provenance(path: str, version) -> dict:
    with Store(path, read_only=True, lock_wait=0) as store:
        return provenance_of(store.connection)


def _sidecar(context: Context, name: str, content: bytes, about: dict) -> bytes:
    path = context.database.path
    try:
        provenance = _provenance(str(path), version_of(path))
    except Exception:  # busy or no analysis: the file's own facts still go with it
        provenance = {}
    return sidecar_bytes(name, content, provenance, about)


def _buttons(context: Context, name: str, files: dict[str, tuple], about) -> None:
    """A download menu: a button per format, then the sidecar of the first.

    ``files`` maps an extension to (a function making the file's bytes, its MIME type); the
    bytes are made when the button is clicked, once. ``about`` is what the sidecar says of
    the file (a dict, or a function returning it).
    """
    menu = st.popover(context.t("download.label"), icon=":material/download:")
    made = {extension: functools.cache(make) for extension, (make, _) in files.items()}
    for extension, (_, mime) in files.items():
        menu.download_button(
            context.t(f"download.{extension}"),
            made[extension],
            file_name=f"{name}.{extension}",
            mime=mime,
            key=f"download-{name}-{extension}",
            icon=":material/download:",
            on_click="ignore",  # no rerun: the menu stays open for the next file
        )
    first = next(iter(files))
    menu.download_button(
        context.t("download.meta"),
        lambda: _sidecar(
            context, f"{name}.{first}", made[first](), about() if callable(about) else about
        ),
        file_name=f"{name}.{first}.meta.json",
        mime="application/json",
        key=f"download-{name}-meta",
        icon=":material/info:",
        on_click="ignore",
    )


def displayed(frame: pd.DataFrame, language: str):
    """``frame`` as a page shows it: headers and words in ``language``, every cell written by
    :func:`app.web.i18n.cell`, changes (``*_change``) signed (a grid still sorts by the values
    themselves)."""
    shown = frame.rename(columns=lambda column: column_name(column, language))
    formats = {
        column_name(column, language): functools.partial(
            cell,
            language=language,
            share=column in SHARES,
            worded=column in WORDED,
            signed=column.endswith("_change"),
            phrased=column in PHRASED,
        )
        for column in frame.columns
    }
    return shown.style.format(formats)


def narrative(paragraphs: list[list[str]]) -> None:
    """Show paragraphs of sentences, the first of each in bold; escaped, since they hold
    titles and names from the data."""
    st.html(
        "".join(
            f"<p><strong>{html.escape(first)}</strong> {html.escape(' '.join(rest))}</p>"
            for first, *rest in paragraphs
        )
    )


def table(context: Context, frame: pd.DataFrame, name: str, holds: str, **options) -> None:
    """Show ``frame`` (:func:`displayed`) with CSV and Parquet downloads of its raw values; the
    CSV's text cells a spreadsheet would run as formulas get a ``'`` in front."""
    if frame.empty:
        st.info(context.t("data.empty"))
        return
    shown = displayed(frame, context.language)
    if len(frame) <= SMALL_TABLE and not options:
        st.table(shown, hide_index=True)  # plain HTML: much lighter for the browser than a grid
    else:
        st.dataframe(shown, hide_index=True, width="stretch", **options)

    def parquet() -> bytes:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()

    files = {
        "csv": (lambda: formula_safe_frame(frame).to_csv(index=False).encode("utf-8"), "text/csv"),
        "parquet": (parquet, "application/vnd.apache.parquet"),
    }
    about = {"holds": holds, "rows": len(frame), "formula_protection": True}
    _buttons(context, file_stem(name), files, about)


def chart(context: Context, figure: alt.Chart, name: str, holds: str) -> None:
    """Show an Altair chart, its numbers and dates written for the language, with PNG and
    SVG downloads (drawn by vl-convert, no browser)."""
    if context.language in CHART_LOCALES:
        figure = figure.configure(locale=CHART_LOCALES[context.language])
    st.altair_chart(figure, width="stretch")
    specification = figure.to_json()
    files = {
        "png": (lambda: _rendered(specification, "png"), "image/png"),
        "svg": (lambda: _rendered(specification, "svg").encode("utf-8"), "image/svg+xml"),
    }
    _buttons(context, file_stem(name), files, {"holds": holds})


def daily_bars(context: Context, daily: pd.DataFrame) -> alt.Chart:
    """Bars of :func:`graph.store.results.adoptions.daily_adoptions`, stacked by platform."""
    return (
        alt.Chart(daily)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("adoptions:Q", stack=True, title=context.t("overview.adoptions")),
            color=alt.Color(
                "platform:N", title=context.t("filter.platforms"), scale=alt.Scale(range=PALETTE)
            ),
            tooltip=["day:T", "platform:N", "adoptions:Q"],
        )
    )


def _rendered(specification: str, kind: str):
    import vl_convert

    if kind == "png":
        return vl_convert.vegalite_to_png(specification, scale=2)
    return vl_convert.vegalite_to_svg(specification)


def graph_downloads(context: Context, make_graph, name: str, holds: str) -> None:
    """GEXF 1.3 and GraphML downloads of the networkx graph ``make_graph()`` returns.

    The graph is built, and written as ``essaim export`` writes it, when a button is clicked.
    """
    graph = functools.cache(make_graph)

    def written(write, extension: str) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"graph.{extension}"
            write(graph(), path)
            return path.read_bytes()

    files = {
        "gexf": (
            lambda: written(lambda g, p: write_gexf(g, p, description=holds), "gexf"),
            "application/gexf+xml",
        ),
        "graphml": (lambda: written(write_graphml, "graphml"), "application/graphml+xml"),
    }

    def about() -> dict:
        return {
            "holds": holds,
            "nodes": graph().number_of_nodes(),
            "edges": graph().number_of_edges(),
        }

    _buttons(context, file_stem(name), files, about)


@st.cache_data(show_spinner=False, max_entries=32)
def _positions(nodes: pd.DataFrame, edges: pd.DataFrame, tree: bool) -> dict:
    return layout(nodes, edges, tree)


@st.cache_data(show_spinner=False, max_entries=32)
def _network_page(
    nodes: pd.DataFrame, edges: pd.DataFrame, height: int, tree: bool, positions: dict
) -> str:
    return network_html(nodes, edges, height=height, tree=tree, positions=positions)


def network(nodes: pd.DataFrame, edges: pd.DataFrame, *, height: int = 650, tree=False) -> None:
    """Draw a network view (see :func:`app.web.network.network_html`), built once per data;
    nodes stay in place when only their colours or rings change (a replay)."""
    positions = _positions(nodes[["id", "size"]], edges[["source", "target"]], tree)
    st.iframe(_network_page(nodes, edges, height, tree, positions), height=height + 20)
