"""Qualité des données / Data quality: runs, coverage and gaps, incidents, links, methods."""

import json

import pandas as pd
import streamlit as st

from app.web.context import current
from app.web.widgets import table
from graph.export import methods_text
from graph.store import queries as q
from graph.store.status import coverage_gaps

context = current()
t, database = context.t, context.database
st.header(t("page.quality"))

st.subheader(t("quality.runs"))
table(context, database.query(q.STATUS_RUNS), "runs", "the raw runs loaded")

st.subheader(t("quality.counts"))
table(
    context,
    database.query(q.STATUS_COUNTS),
    "record-counts",
    "records per source, platform and kind",
)

st.subheader(t("quality.coverage"))
windows = database.query(q.STATUS_RUN_WINDOWS)
windows.columns = ["source", "query", "start", "end"]
coverage = []
for (source, query), spans in windows.groupby(["source", "query"], sort=True):
    pairs = list(zip(spans["start"], spans["end"].where(spans["end"].notna(), None), strict=True))
    gaps = coverage_gaps(pairs)
    coverage.append(
        {
            "source": source,
            "query": query,
            "runs": len(spans),
            "first": spans["start"].min(),
            "last": spans["end"].fillna(spans["start"]).max(),
            "gaps": "; ".join(f"{a:%Y-%m-%d %H:%M} → {b:%Y-%m-%d %H:%M}" for a, b in gaps),
        }
    )
table(context, pd.DataFrame(coverage), "coverage", "what each query's runs cover, and the gaps")

st.subheader(t("quality.incidents"))
table(
    context,
    database.query(q.STATUS_INCIDENTS),
    "incidents",
    "rate-limit waits and failed pages per source",
)

st.subheader(t("quality.links"))
table(context, database.query(q.STATUS_LINKS), "links", "links found, tracked and matched")

st.subheader(t("quality.unmatched"))
table(
    context,
    database.query(q.STATUS_UNMATCHED, 100),
    "unmatched-links",
    "links to tracked domains that match no catalogue resource",
)

st.subheader(t("quality.methods"))
analysis = database.query(q.SELECT_LAST_ANALYSIS).iloc[0]
modularity = database.query("SELECT any_value(modularity) AS m FROM communities")["m"].iloc[0]
st.markdown(methods_text(json.loads(analysis["parameters"]), modularity)[context.language])
