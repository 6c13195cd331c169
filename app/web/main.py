"""The essaim app (``essaim app`` runs it with Streamlit): sidebar, language, pages.

It reads the store named by the essaim configuration (``ESSAIM_CONFIG``, ``ESSAIM_DATA``, or
``./essaim.toml``), read-only.
"""

from __future__ import annotations

import streamlit as st
from PIL import Image, ImageDraw

from app.config import ConfigError, load_settings
from app.web import PAGES, VIEWS
from app.web.context import Context, sidebar_filters
from app.web.data import Database, DatabaseBusy, version_of
from app.web.i18n import LANGUAGES, text
from graph.store import StoreError
from graph.store.results.adoptions import AdoptionFilter

ICONS = {
    "overview": "dashboard",
    "resource": "timeline",
    "usage": "school",
    "network": "hub",
    "communities": "groups",
    "accounts": "person_search",
    "quality": "fact_check",
    "compare": "compare_arrows",
}


def _icon() -> Image.Image:
    """A honeycomb cell, drawn here: a named icon would make the browser fetch it from an
    outside host."""
    icon = Image.new("RGBA", (64, 64))
    cell = [(32, 4), (56, 18), (56, 46), (32, 60), (8, 46), (8, 18)]
    ImageDraw.Draw(icon).polygon(cell, fill="#E69F00", outline="#000000", width=4)
    return icon


@st.fragment(run_every=10)
def _refresh_when_the_file_changes(database: Database) -> None:
    """Rerun the page once a load has changed the file (checked every 10 s)."""
    seen = version_of(database.path)
    if st.session_state.setdefault("essaim_version", seen) != seen:
        st.session_state["essaim_version"] = seen
        st.rerun(scope="app")


def main() -> None:
    st.set_page_config(page_title="essaim", page_icon=_icon(), layout="wide")
    language = st.sidebar.radio(
        "Langue / Language",
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        horizontal=True,
        key="language",
    )
    try:
        database = Database(load_settings(None, None).database)
    except ConfigError as error:  # one sentence naming the file and the key
        st.error(str(error))
        return
    pages = [
        st.Page(
            VIEWS / f"{name}.py",
            title=text(f"page.{name}", language),
            icon=f":material/{ICONS[name]}:",
            url_path=name,
            default=name == "overview",
        )
        for name in PAGES
    ]
    page = st.navigation(pages)
    st.sidebar.title(text("app.title", language))
    filters = AdoptionFilter()
    ready = False
    try:
        ready = database.exists() and database.analysed()
        if ready:
            filters = sidebar_filters(database, language)
    except DatabaseBusy:
        st.info(text("data.busy_empty", language))
        return
    except StoreError as error:  # a damaged or unreadable file: one sentence naming it
        st.error(str(error))
        return
    if not database.exists():
        st.info(text("data.none", language, path=database.path))
    elif not ready:
        st.info(text("data.no_analysis", language))
    st.session_state["essaim_context"] = Context(database, language, filters)
    st.session_state["essaim_ready"] = ready
    _refresh_when_the_file_changes(database)
    try:
        page.run()
    except DatabaseBusy:
        st.info(text("data.busy_empty", language))
    except StoreError as error:
        st.error(str(error))
    if database.busy:
        st.toast(text("data.busy", language), icon=":material/hourglass:")


main()
