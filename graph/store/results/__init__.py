"""The tables an analysis writes in the store, and the one API that reads them.

Every command and page reads results through these modules, each a set of functions taking
the connection first and returning a DataFrame (or a plain value), values always bound:

- :mod:`~graph.store.results.analyses`: which tables and analysis there are, the catalogue,
  the period and platforms adopted;
- :mod:`~graph.store.results.adoptions`: adoptions under the app's filters
  (:class:`~graph.store.results.adoptions.AdoptionFilter`): counts, rankings, days, comparisons;
- :mod:`~graph.store.results.resources`: how one resource spread, and take-off episodes;
- :mod:`~graph.store.results.accounts` and :mod:`~graph.store.results.communities`: roles,
  bridges, communities and the sociability graph;
- :mod:`~graph.store.results.usage`: usage, funnel and uptake;
- :mod:`~graph.store.results.tables`: whole tables as ``essaim export`` writes them.
"""

from collectors.speech import N_

__all__ = ["RESULT_TABLES"]

#: The tables ``essaim analyze`` writes, and what each holds (said with ``_()`` where shown;
#: written as is in an export's files).
RESULT_TABLES = {
    "adoptions": N_("every adoption event of a catalogue resource"),
    "cascade_trees": N_(
        "one row per adopter and cascade, with its parent, how it was found, "
        "the confidence in it and the candidates weighed"
    ),
    "cascades": N_(
        "size, depth, breadth, structural virality and speed of each cascade, with "
        "the mean and 90 % interval of depth, breadth, virality and hours to each depth over "
        "sampled trees, and the probability of reaching each depth"
    ),
    "attribution_models": N_(
        "per platform, the delay kernel and tie weights parents were weighed with"
    ),
    "journeys": N_("the platforms each resource reached, in order"),
    "reach": N_("reach figures per resource, each with its kind"),
    "campaign_reach": N_("reach figures of the adoptions each campaign drove"),
    "exposure": N_("each account's exposure to each resource"),
    "timelines": N_("adoptions per day, platform and resource, with running totals"),
    "velocity": N_(
        "adoptions per hour over a sliding window, the rate the resource's base state "
        "expects and whether the hour is in a take-off episode (Kleinberg's burst automaton)"
    ),
    "takeoff_episodes": N_(
        "take-off episodes: start, end, peak, and the cascade, community and "
        "campaign action that drove each"
    ),
    "campaign_effects": N_(
        "per communication action: the adoptions attributed to it and the rate "
        "ratio after it (interrupted time series, 95 % interval)"
    ),
    "sociability_edges": N_("who relates to whom (follows, reposts, quotes, replies)"),
    "communities": N_("communities of the sociability graph, with labels for humans"),
    "account_communities": N_("the community of each account of the sociability graph"),
    "resource_communities": N_("per resource, the communities reached: share, arrival, bridge"),
    "community_spread": N_("per resource, communities reached and the entropy of the shares"),
    "account_roles": N_(
        "per account: centralities, community bridging, cascades started and "
        "amplified (with the mean and 90 % interval over sampled trees), institution or not"
    ),
    "resource_roles": N_(
        "per resource and account: cascades started, adopters amplified (with "
        "the mean and 90 % interval over sampled trees)"
    ),
    "institutional_share": N_(
        "per resource, the adopters and reach that came through institutions"
    ),
    "bass_fits": N_(
        "per resource and model (external, Bass, generalized Bass with the campaign "
        "actions), the fit to daily adopters with its flags, QAIC and whether it is chosen"
    ),
    "adopter_categories": N_(
        "per resource and adopter, Rogers' category (by shares of adopters, or the σ rule)"
    ),
    "adoption_delays": N_("per resource and community, hours from first adoption to its members'"),
    "usage_daily": N_(
        "per resource, day, kind of use and channel: the uses counted (course views, "
        "enrolments, completions, visits, newsletter clicks) and the learners behind them"
    ),
    "usage_unmatched": N_(
        "usage rows whose course id or page no catalogue resource matches, with their counts"
    ),
    "usage_channels": N_(
        "per site, kind of use and channel, the site-wide usage naming no course or "
        "page (visits from each social network and campaign code, newsletter recipients, opens and "
        "clicks): its count, days, first and last day"
    ),
    "funnel": N_(
        "per resource and period (all, ISO weeks): audience, clicks, visits, enrolments, "
        "completions, each with its kind of figure (null when no source gives it)"
    ),
    "uptake": N_(
        "per resource and pooled: enrolments per 100 adoptions (distributed-lag Poisson, "
        "lags 0-14 days, 95 % interval) and the placebo with adoptions moved 30 days ahead"
    ),
    "uptake_lags": N_(
        "the lag profile of each uptake fit: enrolments per 100 adoptions l days "
        "later, with 95 % intervals"
    ),
    "campaign_uptake": N_(
        "per campaign action and newsletter: its campaign-coded visits, the "
        "enrolments of its resources, their rate ratio after it, the excess enrolments and the "
        "cost per enrolment"
    ),
}
