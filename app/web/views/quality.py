"""Qualité des données / Data quality: runs, coverage and gaps, incidents, links, methods."""

import json

import pandas as pd
import streamlit as st

from app.web.context import current
from app.web.widgets import table
from graph.export import methods_text
from graph.store import status
from graph.store.results import analyses, communities

context = current()
t, database = context.t, context.database
st.header(t("page.quality"))

st.subheader(t("quality.runs"))
table(context, database.read(status.runs), "runs", "the raw runs loaded")

st.subheader(t("quality.counts"))
table(
    context,
    database.read(status.record_counts),
    "record-counts",
    "records per source, platform and kind",
)

st.subheader(t("quality.coverage"))
windows = database.read(status.run_windows)
coverage = []
for (source, query), spans in windows.groupby(["source", "query"], sort=True):
    pairs = list(zip(spans["start"], spans["end"].where(spans["end"].notna(), None), strict=True))
    gaps = status.coverage_gaps(pairs)
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
    database.read(status.incidents),
    "incidents",
    "rate-limit waits and failed pages per source",
)

st.subheader(t("quality.links"))
table(context, database.read(status.link_counts), "links", "links found, tracked and matched")

st.subheader(t("quality.unmatched"))
table(
    context,
    database.read(status.unmatched_links, 100),
    "unmatched-links",
    "links to tracked domains that match no catalogue resource",
)

st.subheader(t("quality.methods"))
analysis = database.read(analyses.last_analysis)
found = database.read(communities.overview)
methods = methods_text(json.loads(analysis["parameters"]), found["modularity"], found["stability"])
st.markdown(methods[context.language])
