"""``essaim analyze``: every metric of the graph layers, computed into tables of the store.

The result tables are replaced whole, in one transaction, with a row in ``analyses`` saying
with which parameters and from which data they were computed.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from collectors import __version__
from collectors.speech import _
from graph import builders
from graph.adoption import adopter_categories, adoption_delays, bass_fits, campaign_impulses
from graph.attribution import TIES, DelayKernel
from graph.campaign_uptake import campaign_uptake
from graph.campaigns import campaign_effects, driven_adoptions, read_campaigns, targets
from graph.cascades import cascade_metrics, journey, reconstruct
from graph.communities import community_spread, detect, grouped, label_communities, stability
from graph.funnel import funnel
from graph.privacy.pseudonyms import Institutions, read_institutions
from graph.reach import reach, sharing_accounts
from graph.roles import cascade_roles, centralities, institutional_share
from graph.store import Store
from graph.store import queries as q
from graph.timelines import bursts, episodes, timeline, velocity, week_profile
from graph.uncertainty import metric_intervals
from graph.uptake import uptake
from graph.usage import kind_spans, resource_spans, resource_usage, site_usage

__all__ = ["AnalysisParameters", "analyze"]

#: What ``cascade_trees`` keeps of the reconstructed trees (the rest is in ``adoptions``).
TREE_COLUMNS = ["resource_id", "platform", "cascade", "account_id", "adopted_at", "kind",
                "parent_id", "method", "confidence", "candidates"]  # fmt: skip

#: The columns naming an account.
ACCOUNT = ["platform", "account_id"]

#: The columns of ``attribution_models``.
MODEL_COLUMNS = [
    "platform", "median_delay_hours", "mu", "mu_error", "sigma",
    *(f"weight_{tie}" for tie in TIES), "adopters", "ambiguous", "converged",
]  # fmt: skip


@dataclass
class AnalysisParameters:
    """What an analysis depends on besides the data (stored with its results)."""

    rule: str = "kernel"  # parent inference: kernel, most_recent or first
    draws: int = 200  # trees sampled per cascade for the metrics' intervals
    window_hours: int = 24  # velocity window
    takeoff_multiple: float = 3.0  # burst state: this × the resource's base rate (Kleinberg s)
    takeoff_cost: float = 1.0  # entering a burst costs this × ln(hours) (Kleinberg γ)
    takeoff_min_adoptions: int = 5  # fewest adoptions in a take-off episode
    campaigns: str | None = None  # campaign CSV file
    before_days: int = 14  # campaign baseline window
    after_days: int = 7  # campaign effect (and default attribution) window
    campaign_min_adoptions: int = 5  # fewest adoptions before and after for a rate ratio
    seed: int = 0  # community detection (Leiden)
    resolution: float = 1.0  # modularity resolution γ
    restarts: int = 1  # Leiden runs, the best kept
    min_community_size: int = 10  # smaller groups are not communities but "small groups"
    stability: int = 0  # seeds whose partitions are compared (NMI); 0: not measured
    bridge_share: float = 0.02  # bridges: at most this share of accounts, top by brokerage
    institutions: str | None = None  # allow-list CSV of institutional accounts
    bass_min_points: int = 6  # fewer days of adoption: no Bass fit
    categories_rule: str = "shares"  # Rogers' categories: by their shares, or "sigma"


def analyze(
    store: Store,
    parameters: AnalysisParameters,
    step: Callable[[str], None] = lambda name: None,
) -> dict[str, int]:
    """Compute every result table into ``store``; return their row counts.

    ``step`` is called with the name of each step as it starts (for progress display).
    Raises :class:`graph.campaigns.CampaignError` on a bad campaign file, before anything is
    written.
    """
    started = datetime.now(UTC)
    connection = store.connection
    catalogue = builders.catalogue(connection)
    campaigns = None
    if parameters.campaigns:
        campaigns = read_campaigns(
            Path(parameters.campaigns), catalogue["resource_id"], catalogue["parcours"].dropna()
        )
    step(_("adoptions"))
    adoptions = builders.adoption_events(connection)
    follows = builders.follows(connection)
    followers = builders.follower_counts(connection)
    step(_("cascades"))
    trees, candidates, kernels = reconstruct(adoptions, follows, rule=parameters.rule)
    cascades = cascade_metrics(trees)
    step(_("cascade intervals"))
    by = [ACCOUNT, ["resource_id", *ACCOUNT]]  # for account_roles and resource_roles
    intervals = metric_intervals(trees, candidates, parameters.draws,
                                 parameters.seed, by=by)  # fmt: skip
    del candidates  # 2 to 3 rows per adopter: let go as soon as drawn from
    cascades = _with_resource(
        cascades.merge(intervals.cascades.drop(columns="size"), on="cascade"), adoptions
    )
    step(_("reach"))
    likers = builders.likers(connection, adoptions)
    views = builders.reported_views(connection, adoptions)
    results = {
        "adoptions": adoptions,
        "cascade_trees": trees[TREE_COLUMNS],
        "cascades": cascades,
        "attribution_models": _models(kernels),
        "journeys": journey(adoptions),
        "reach": reach(adoptions, followers, follows, likers, views),
    }
    step(_("timelines"))
    results["timelines"] = timeline(adoptions, "day")
    results["velocity"] = bursts(
        velocity(adoptions, parameters.window_hours),
        week_profile(adoptions),
        parameters.takeoff_multiple,
        parameters.takeoff_cost,
        parameters.takeoff_min_adoptions,
    )
    step(_("campaigns"))
    results["campaign_effects"], results["campaign_reach"] = _campaigns(
        campaigns, adoptions, catalogue, followers, follows, parameters
    )
    step(_("sociability graph"))
    edges = builders.sociability_edges(connection)
    results["sociability_edges"] = edges
    step(_("communities"))
    allow_list = (
        read_institutions(Path(parameters.institutions)) if parameters.institutions
        else Institutions()
    )  # fmt: skip
    institutional = builders.institutional_accounts(connection, allow_list)
    graph = builders.sociability_graph(edges)
    found = detect(graph, parameters.seed, parameters.resolution, restarts=parameters.restarts)
    membership = grouped(found, parameters.min_community_size)
    contexts = builders.account_contexts(connection)
    results.update(_communities(graph, found, membership, adoptions, contexts, institutional))
    if parameters.stability:
        step(_("community stability"))
        seeds = [parameters.seed + run * parameters.restarts for run in range(parameters.stability)]
        results["communities"]["stability"] = stability(
            graph, seeds, parameters.resolution, parameters.restarts
        )
    step(_("take-off episodes"))
    results["takeoff_episodes"] = episodes(
        results["velocity"], adoptions, results["account_communities"],
        _targeted(campaigns, catalogue),
    )  # fmt: skip
    step(_("roles"))
    results["account_roles"] = _roles(graph, membership, trees, institutional, parameters)
    results["account_roles"] = _with_downstream(results["account_roles"], intervals.downstream[0])
    results["resource_roles"] = _with_downstream(
        cascade_roles(trees, by="resource_id"), intervals.downstream[1]
    )
    results["institutional_share"] = institutional_share(
        trees, sharing_accounts(adoptions), institutional, followers,
        _figure(results["reach"], "potential_reach"),
    )  # fmt: skip
    step(_("adoption models"))
    impulses = campaign_impulses(campaigns, catalogue)
    results["bass_fits"] = bass_fits(adoptions, impulses, parameters.bass_min_points)
    results["adopter_categories"] = adopter_categories(adoptions, parameters.categories_rule)
    results["adoption_delays"] = adoption_delays(adoptions, results["account_communities"])
    step(_("usage"))
    results.update(
        _usage(connection, adoptions, results["reach"], campaigns, catalogue, parameters)
    )
    step(_("saving"))
    counts = {name: len(frame) for name, frame in results.items()}
    # only the results stay in memory while saved, each let go once saved
    del adoptions, cascades, edges, follows, trees, graph, intervals
    try:
        with store.transaction():
            for name in counts:
                frame = results.pop(name)
                connection.register("result", pa.Table.from_pandas(frame, preserve_index=False))
                connection.execute(q.REPLACE_RESULT_TABLE.format(table=name))
                connection.unregister("result")
            connection.execute(q.LIMIT_MEMORY.format(megabytes=_exposure_memory()))
            for statement in q.STORE_EXPOSURE:  # over the saved adoptions
                connection.execute(statement)
            counts["exposure"] = connection.execute(q.COUNT_EXPOSURE).fetchone()[0]
            connection.execute(
                q.INSERT_ANALYSIS,
                [
                    started.strftime("%Y%m%dT%H%M%S%fZ"),
                    started,
                    datetime.now(UTC),
                    json.dumps(asdict(parameters)),
                    __version__,
                    json.dumps(counts),
                ],
            )
    finally:
        connection.execute(q.RESET_MEMORY_LIMIT)
    return counts


def _usage(connection, adoptions, reached, campaigns, catalogue, parameters) -> dict:
    """Usage per resource, the rows no resource was found for, the site-wide usage per
    channel, the funnel, the uptake and what each campaign action brought (empty tables of the
    same columns when no usage was loaded)."""
    from graph.store.results.usage import catalogue_patterns

    usage = builders.read_usage(connection)
    daily, unmatched = resource_usage(usage, catalogue_patterns(connection))
    spans = kind_spans(usage)
    summary, lags = uptake(adoptions, daily, spans)
    if usage.empty:
        summary = summary.iloc[0:0]
    actions = campaign_uptake(campaigns if len(usage) else None, usage, daily, spans, catalogue,
                              parameters.before_days, parameters.after_days,
                              parameters.campaign_min_adoptions)  # fmt: skip
    return {
        "usage_daily": daily,
        "usage_unmatched": unmatched,
        "usage_channels": site_usage(usage),
        "funnel": funnel(
            reached if len(usage) else reached.iloc[0:0], daily, resource_spans(usage)
        ),
        "uptake": summary,
        "uptake_lags": lags,
        "campaign_uptake": actions,
    }


def _exposure_memory() -> int:
    """Megabytes DuckDB may use for the exposure: 2 GB, or less on a small machine (half of
    its memory)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1_000_000
    return min(2_000, total // 2)


def _communities(graph, found, membership, adoptions, contexts, institutional):
    """The communities (small groups grouped), who belongs where, and how resources spread."""
    memberships = pd.DataFrame(
        {
            "platform": graph.vs["platform"],
            "account_id": graph.vs["account_id"],
            "community": membership,
        }
    ).astype({"platform": object, "account_id": object, "community": "int64"})
    reached, spread = community_spread(adoptions, memberships)
    labels = label_communities(graph, membership, adoptions, contexts, institutional)
    labels["modularity"] = found.modularity
    labels["stability"] = math.nan  # mean NMI across seeds, when measured
    return {
        "communities": labels,
        "account_communities": memberships,
        "resource_communities": reached,
        "community_spread": spread,
    }


def _figure(reach: pd.DataFrame, figure: str) -> pd.Series:
    """One figure of the reach table, by resource."""
    return reach[reach["figure"] == figure].set_index("resource_id")["value"]


def _roles(graph, membership, trees, institutional, parameters) -> pd.DataFrame:
    """Centralities and cascade roles of every account found in either, one row each."""
    keys = ["platform", "account_id"]
    found = centralities(graph, membership, bridge_share=parameters.bridge_share,
                         seed=parameters.seed)  # fmt: skip
    table = found.merge(cascade_roles(trees), on=keys, how="outer")
    counts = ["cascades_started", "started_reach", "cascades_joined", "downstream"]
    table[counts] = table[counts].fillna(0).astype("int64")
    # accounts seen only in cascades have no place in the sociability graph
    graph_only = ["community", "coreness", "other_communities", "bridge_rank"]
    table[graph_only] = table[graph_only].astype("Int64")
    for flag in ("originator", "amplifier", "bridge"):
        table[flag] = table[flag].astype("boolean").fillna(False).astype(bool)
    table = table.merge(institutional.assign(institution=True), on=keys, how="left")
    table["institution"] = table["institution"].astype("boolean").fillna(False).astype(bool)
    return table.sort_values(["downstream", "pagerank"], ascending=False, ignore_index=True)


def _with_downstream(roles: pd.DataFrame, downstream: pd.DataFrame) -> pd.DataFrame:
    """``roles`` with the mean and interval of ``downstream`` over the drawn trees (0 for an
    account that joined no cascade)."""
    keys = [column for column in downstream.columns if not column.startswith("downstream_")]
    table = roles.merge(downstream, on=keys, how="left")
    columns = ["downstream_mean", "downstream_low", "downstream_high"]
    table[columns] = table[columns].astype("float64").fillna(0.0)
    return table


def _models(kernels: dict[str, DelayKernel]) -> pd.DataFrame:
    """One row per platform: the delay kernel and tie weights its parents were weighed with."""
    rows = [
        {"platform": platform, "median_delay_hours": kernel.median_hours, "mu": kernel.mu,
         "mu_error": kernel.mu_error, "sigma": kernel.sigma,
         **{f"weight_{tie}": kernel.weights.get(tie, math.nan) for tie in TIES},
         "adopters": kernel.adopters, "ambiguous": kernel.ambiguous,
         "converged": kernel.converged}
        for platform, kernel in kernels.items()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def _with_resource(cascades: pd.DataFrame, adoptions: pd.DataFrame) -> pd.DataFrame:
    keys = adoptions[["cascade", "resource_id", "platform", "root_post_id"]].drop_duplicates(
        "cascade"
    )
    return keys.merge(cascades, on="cascade")


def _campaigns(campaigns, adoptions, catalogue, followers, follows, parameters):
    """The effects of each action, and the reach of the adoptions each one drove."""
    if campaigns is None or campaigns.empty:
        empty = pd.DataFrame({"action": pd.Series(dtype="int64")})
        return empty, empty
    effects = campaign_effects(campaigns, adoptions, catalogue,
                               parameters.before_days, parameters.after_days,
                               parameters.campaign_min_adoptions)  # fmt: skip
    driven = driven_adoptions(campaigns, adoptions, catalogue, parameters.after_days)
    return effects, reach(driven, followers, follows, by="action")


def _targeted(campaigns, catalogue) -> pd.DataFrame | None:
    """Each action's label, date and the resources it targets (for take-off episodes)."""
    if campaigns is None:
        return None
    found = [targets(action, catalogue) for action in campaigns.itertuples(index=False)]
    return campaigns.assign(resources=found)
