"""Réseau / Network: the sociability graph by community, the accounts that had not adopted
(any resource chosen, or one) by the day of the time slider in grey."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from app.web.context import current
from app.web.i18n import column_name, number
from app.web.network import FADED, MAX_EDGES, legend, palette, pruned
from app.web.replay import time_slider
from app.web.widgets import graph_downloads, network, table
from graph.networks import sociability_network
from graph.store import Store
from graph.store.results import accounts as roles
from graph.store.results import analyses, communities

context = current()
t, database, language = context.t, context.database, context.language
st.header(t("page.network"))

accounts = database.read(roles.network_accounts)
if context.filters.platforms:
    accounts = accounts[accounts["platform"].isin(context.filters.platforms)]
if context.filters.communities:
    accounts = accounts[accounts["community"].isin(context.filters.communities)]
if accounts.empty:
    st.info(t("data.empty"))
    st.stop()

controls = st.columns(3)
centrality = controls[0].selectbox(
    t("network.centrality"),
    ["pagerank", "coreness", "betweenness"],
    key="centrality",
    format_func=lambda name: column_name(name, language),
)
budget = controls[1].select_slider(
    t("network.budget"), [100, 250, 500, 1000, 2000, 5000], value=500, key="budget"
)
resources = [
    r
    for r in database.read(analyses.adopted_resources)
    if not context.filters.resources or r in context.filters.resources
]
overlay = controls[2].selectbox(
    t("network.overlay"),
    [None, *resources],
    key="overlay",
    format_func=lambda r: r or t("network.all_resources"),
)
aggregate = st.toggle(t("network.aggregate"), value=len(accounts) > 5000, key="aggregate")

edges = database.read(communities.sociability_ties)
if aggregate:
    membership = accounts.set_index("id")["community"]
    ties = edges.assign(
        source=edges["source"].map(membership), target=edges["target"].map(membership)
    ).dropna()
    ties = ties[ties["source"] != ties["target"]]
    ties = ties.groupby(["source", "target"], as_index=False)["weight"].sum()
    labels = database.read(communities.communities)[["community", "label", "size"]]
    labels = labels[labels["community"].isin(membership.unique())]
    # small groups are not a community: no node, no tie
    ties = ties[ties["source"].isin(labels["community"]) & ties["target"].isin(labels["community"])]
    nodes = pd.DataFrame(
        {
            "id": labels["community"],
            "label": labels["community"].astype(str),
            "title": labels["label"] + "\n" + labels["size"].map(lambda n: number(n, language)),
            "color": labels["community"].map(palette),
            "size": 8 + 40 * (labels["size"] / labels["size"].max()) ** 0.5,
        }
    )
    st.caption(t("network.aggregated_note"))
    network(nodes, ties, height=650)
    st.stop()

shown, ties = pruned(accounts, edges, budget, centrality)
if len(shown) < len(accounts):
    st.caption(
        t(
            "network.pruned",
            shown=number(len(shown), language),
            total=number(len(accounts), language),
            centrality=column_name(centrality, language),
        )
    )
else:
    st.caption(t("network.complete", total=number(len(accounts), language)))
if len(ties) == MAX_EDGES:
    st.caption(t("network.ties", drawn=number(MAX_EDGES, language)))
chosen = replace(context.filters, resources=(overlay,)) if overlay else context.filters
adopted = database.read(roles.adoption_times, chosen).set_index("id")["adopted_at"]
values = shown[centrality].astype(float)
colon = " : " if language == "fr" else ": "
scale = (values - values.min()) / ((values.max() - values.min()) or 1.0)
nodes = pd.DataFrame(
    {
        "id": shown["id"],
        "label": shown["name"].where(shown["institution"].fillna(False).astype(bool), " "),
        "title": shown["name"]
        + "\n"
        + shown["platform"]
        + f" · {t('network.community')} "
        + shown["community"].astype(str)
        + f"\n{column_name(centrality, language)}{colon}"
        + values.map(lambda v: number(v, language)),
        "color": shown["community"].map(palette),
        "size": 6 + 24 * scale,
    }
)
st.caption(t("network.legend"))
found = database.read(communities.communities).set_index("community")["label"]
drawn = sorted(set(shown["community"].dropna()))
st.html(legend((palette(c), f"{c}{colon}{found.get(c, t('communities.small'))}") for c in drawn))


def draw(until) -> None:
    """The network with the accounts that had not adopted before ``until`` in grey."""
    times = shown["id"].map(adopted)
    adopters = shown["id"].isin(adopted.index)
    if until is not None:
        adopters &= pd.to_datetime(times, utc=True) < until
    network(nodes.assign(color=nodes["color"].where(adopters, FADED)), ties, height=650)


time_slider(context, adopted[adopted.index.isin(shown["id"])], "network-until", draw)


def whole_graph():
    with Store(database.path, read_only=True, lock_wait=0) as store:
        return sociability_network(store.connection)


graph_downloads(
    context,
    whole_graph,
    "sociability",
    "the sociability graph: accounts, their communities and roles",
)
table(
    context,
    shown.drop(columns=["id"]),
    "network-nodes-shown",
    "the accounts shown in the network view",
)
