"""Usage per resource: the ``usage`` rows (learning-platform logs, web analytics, newsletter
reports) mapped to catalogue resources and counted per day.

A row names what was used in one of two ways:

- a learning platform's course id: it belongs to the resource whose catalogue URL pattern is
  that course's page, ``<host>/…/course/view.php?id=<course_id>``, on the row's site (its
  host, ``www.`` aside);
- a page visited or a link clicked (``url``): matched like a link found in a post
  (:func:`graph.resources.url_key`, then :meth:`graph.resources.Catalogue.match`); a path
  written without its host (``/course/view.php?id=4``, as analytics report pages) is on the
  row's site.

A row with a course id or a URL that the catalogue does not know is listed in the unmatched
table with its count; a row with neither (a newsletter's recipients, a site's visits from one
social network) describes the site, not a resource: it is totalled per site, kind and channel
(:func:`site_usage`) and used by the campaigns, never by a resource's funnel.

A page's visits of channel ``social`` or ``campaign`` (:data:`SEGMENT_CHANNELS`: Matomo's pages
report segmented by referrer type) are part of the page's visits counted already: they count
in their channel's figure, never added to the visits.

A run holds either daily counts or, imported with ``--keep-events``, the events themselves
(``learner`` and ``occurred_at`` set, ``count`` 1). Both are counted per day alike; where the store
holds both for the same site, day, kind, course, URL, channel and event (one file imported
twice, once each way), the events are kept and the counts left out, so nothing is counted
twice.
"""

from __future__ import annotations

import re

import pandas as pd

from graph.resources import Catalogue, CatalogueResource, url_key

__all__ = [
    "DAILY_COLUMNS",
    "SEGMENT_CHANNELS",
    "SITE_COLUMNS",
    "UNMATCHED_COLUMNS",
    "USAGE_COLUMNS",
    "kind_spans",
    "resource_spans",
    "resource_usage",
    "site_usage",
]

#: The columns of the store's ``usage`` table (``graph.builders.read_usage``).
USAGE_COLUMNS = ["site", "day", "kind", "count", "course_id", "url", "channel", "event",
                 "learners", "learner", "occurred_at", "title", "source", "run_id",
                 "collected_at"]  # fmt: skip
#: The columns of the daily usage per resource.
DAILY_COLUMNS = ["resource_id", "day", "kind", "channel", "count", "learners"]
#: The columns of the rows no resource was found for.
UNMATCHED_COLUMNS = ["site", "course_id", "url", "kind", "count", "days", "first_day", "last_day"]
#: The columns of the site-wide usage per channel.
SITE_COLUMNS = ["site", "kind", "channel", "count", "days", "first_day", "last_day"]
#: Channels of a page's visits that are part of its visits counted already (Matomo's pages
#: report segmented by referrer type), naming no network or code.
SEGMENT_CHANNELS = ("social", "campaign")

_COURSE_PAGE = re.compile(r"^(?P<host>[^/?#]+)(?:/[^?#]*)?/course/view\.php\?id=(?P<id>\d+)$")
_GROUP = ["site", "day", "kind", "course_id", "url", "channel", "event"]


def resource_usage(
    usage: pd.DataFrame, catalogue: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map usage rows to catalogue resources and count them per day.

    Parameters
    ----------
    usage : DataFrame
        The store's ``usage`` rows (:data:`USAGE_COLUMNS`; ``learner`` and ``occurred_at`` only
        matter for events).
    catalogue : DataFrame
        ``resource_id`` and ``url_patterns`` (lists of URL keys, a trailing ``*`` for a
        prefix), as the store's catalogue holds them.

    Returns
    -------
    daily : DataFrame
        :data:`DAILY_COLUMNS`: one row per resource, day, kind and channel (null when the
        source does not say); ``count`` summed, ``learners`` the distinct learners of the
        events, plus the learners the counting sources report (a sum over course ids and
        days: an upper bound when one learner used several), null when no source says.
    unmatched : DataFrame
        :data:`UNMATCHED_COLUMNS`: per site, course id or URL and kind, the count no
        resource was found for, over how many days and which.

    Examples
    --------
    Course 42 is r1's page; course 7 is not in the catalogue; a visit of r1's page written
    as a path counts too:

    >>> catalogue = pd.DataFrame({"resource_id": ["r1"],
    ...     "url_patterns": [["e-inspe.fr/course/view.php?id=42"]]})
    >>> usage = pd.DataFrame({"site": "www.e-inspe.fr",
    ...     "day": pd.to_datetime(["2026-09-01"] * 3).date, "kind": ["enrolment"] * 2 + ["visit"],
    ...     "count": [3, 2, 5], "course_id": ["42", "7", None],
    ...     "url": [None, None, "/course/view.php?id=42"], "channel": None, "event": None,
    ...     "learners": [3, 2, None], "learner": None, "occurred_at": None})
    >>> daily, unmatched = resource_usage(usage, catalogue)
    >>> daily[["resource_id", "kind", "count", "learners"]].values.tolist()
    [['r1', 'enrolment', 3, 3], ['r1', 'visit', 5, <NA>]]
    >>> unmatched[["course_id", "count"]].values.tolist()
    [['7', 2]]
    """
    rows = _without_counted_events(usage.assign(day=_days(usage["day"])))
    resource = _resources_of(rows, catalogue)
    matched = rows.assign(resource_id=resource.to_numpy())
    named = rows["course_id"].notna() | rows["url"].notna()
    unknown = matched[named.to_numpy() & resource.isna().to_numpy()]
    matched = matched[resource.notna().to_numpy()]
    return _daily(matched), _unmatched(unknown)


def kind_spans(usage: pd.DataFrame) -> pd.DataFrame:
    """Return the days the usage data covers for each figure: ``figure``, ``first_day`` and
    ``last_day``, for each kind, and for visits by social referrer (``visit:social``), by
    campaign code (``visit:campaign``) and newsletter clicks (``click:newsletter``), over every
    row whether it matched a resource or not.

    A figure with no row has no span: no source gives it. Visits of channel ``social`` or
    ``campaign`` (:data:`SEGMENT_CHANNELS`) name no network or code and count for no figure
    of a channel here (the campaigns' coded visits need a code).

    >>> usage = pd.DataFrame({"day": pd.to_datetime(["2026-09-01", "2026-09-03"]).date,
    ...     "kind": "visit", "channel": ["social:bluesky", None]})
    >>> kind_spans(usage).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['visit', datetime.date(2026, 9, 1), datetime.date(2026, 9, 3)],
     ['visit:social', datetime.date(2026, 9, 1), datetime.date(2026, 9, 1)]]
    """
    return _spans(usage, segments=False)


def resource_spans(usage: pd.DataFrame) -> pd.DataFrame:
    """Return the spans of :func:`kind_spans` over the rows that name a course or a page,
    whether the catalogue knows it or not, a visit of channel ``social`` or ``campaign``
    counting for its channel's figure: the days over which the usage says what each resource
    had. Site-wide rows (a network's visits, a newsletter's recipients) say nothing of a
    resource.

    >>> usage = pd.DataFrame({"day": pd.to_datetime(["2026-09-01", "2026-09-03"]).date,
    ...     "kind": "visit", "channel": ["social:bluesky", "social"],
    ...     "course_id": None, "url": [None, "/course/view.php?id=4"]})
    >>> resource_spans(usage).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['visit', datetime.date(2026, 9, 3), datetime.date(2026, 9, 3)],
     ['visit:social', datetime.date(2026, 9, 3), datetime.date(2026, 9, 3)]]
    """
    named = usage["course_id"].notna() | usage["url"].notna()
    return _spans(usage[named.to_numpy()], segments=True)


def site_usage(usage: pd.DataFrame) -> pd.DataFrame:
    """Return the site-wide usage (rows naming neither a course nor a page) per site, kind
    and channel: the count over every day, on how many days and which.

    These are the figures no resource's funnel holds: a site's visits from each social
    network and campaign code, each newsletter's recipients, opens and clicks.

    >>> usage = pd.DataFrame({"site": "brevo",
    ...     "day": pd.to_datetime(["2026-09-01", "2026-09-01", "2026-09-03"]).date,
    ...     "kind": ["recipient", "click", "click"], "count": [900, 4, 2], "course_id": None,
    ...     "url": [None, None, "https://www.e-inspe.fr/r1"], "channel": "newsletter:12",
    ...     "event": None, "learner": None})
    >>> site_usage(usage)[["kind", "count", "days"]].values.tolist()
    [['click', 4, 1], ['recipient', 900, 1]]
    """
    rows = _without_counted_events(usage.assign(day=_days(usage["day"])))
    wide = rows[(rows["course_id"].isna() & rows["url"].isna()).to_numpy()]
    keys = ["site", "kind", "channel"]
    table = wide.groupby(keys, dropna=False).agg(
        count=("count", "sum"), days=("day", "nunique"), first_day=("day", "min"),
        last_day=("day", "max"),
    )  # fmt: skip
    table = table.reset_index().astype({"count": "int64", "days": "int64"})
    table["first_day"], table["last_day"] = table["first_day"].dt.date, table["last_day"].dt.date
    table = table.astype({key: object for key in keys})
    table["channel"] = table["channel"].where(table["channel"].notna(), None)
    return table.sort_values(keys, ignore_index=True, na_position="first")[SITE_COLUMNS]


def _spans(usage: pd.DataFrame, segments: bool) -> pd.DataFrame:
    """The spans of :func:`kind_spans`; with ``segments``, a visit of channel ``social`` or
    ``campaign`` counts for its channel's figure too."""
    channel = usage["channel"].fillna("")
    figure = usage["kind"].astype(str)
    parts = [usage.assign(figure=figure)]
    for kind, prefix in (("visit", "social"), ("visit", "campaign"), ("click", "newsletter")):
        named = channel.str.startswith(f"{prefix}:")
        if segments and prefix in SEGMENT_CHANNELS:
            named |= channel == prefix
        parts.append(usage[((usage["kind"] == kind) & named).to_numpy()].assign(
            figure=f"{kind}:{prefix}"))  # fmt: skip
    rows = pd.concat(parts, ignore_index=True)
    spans = rows.groupby("figure")["day"].agg(first_day="min", last_day="max")
    return spans.reset_index().sort_values("figure", ignore_index=True)


def _without_counted_events(usage: pd.DataFrame) -> pd.DataFrame:
    """``usage`` without the daily counts whose events are stored too."""
    events = usage["learner"].notna()
    parts = [usage[c].map(str) for c in _GROUP]
    key = pd.Series(list(zip(*parts, strict=True)), index=usage.index, dtype=object)
    with_events = set(key[events.to_numpy()])
    counted_twice = ~events & key.isin(with_events)
    return usage[~counted_twice.to_numpy()]


def _resources_of(rows: pd.DataFrame, catalogue: pd.DataFrame) -> pd.Series:
    """The resource of each row (course id first, then URL), null when none."""
    courses, resources = {}, []
    for resource_id, patterns in zip(catalogue["resource_id"], catalogue["url_patterns"],
                                     strict=True):  # fmt: skip
        patterns = tuple(patterns)
        resources.append(CatalogueResource(resource_id, "", "", "", "", patterns, None, False))
        for pattern in patterns:
            page = _COURSE_PAGE.match(pattern)
            if page:
                courses[(_host(page["host"]), page["id"])] = resource_id
    links = Catalogue(resources)
    found, cache = [], {}
    for site, course_id, url in zip(rows["site"], rows["course_id"], rows["url"], strict=True):
        resource = None
        if isinstance(course_id, str):
            resource = courses.get((_host(site), course_id.strip()))
        elif isinstance(url, str):
            written = url if not url.startswith("/") else f"https://{_host(site)}{url}"
            if written not in cache:
                cache[written] = _link_match(links, written)
            resource = cache[written]
        found.append(resource)
    return pd.Series(found, index=rows.index, dtype=object)


def _link_match(catalogue: Catalogue, url: str) -> str | None:
    try:
        match = catalogue.match(url_key(url))
    except ValueError:  # no host, a port that is not a number: matches nothing
        return None
    return match.resource_id if match else None


def _days(days: pd.Series) -> pd.Series:
    """Days (dates, or times at midnight) as naive midnights."""
    return (
        pd.to_datetime(days).dt.tz_localize(None).dt.normalize()
        if len(days)
        else days.astype("datetime64[ns]")
    )


def _host(site) -> str:
    """A site's host: lower case, without scheme, path or ``www.``."""
    text = str(site or "").strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/", 1)[0]
    return text.removeprefix("www.")


def _daily(matched: pd.DataFrame) -> pd.DataFrame:
    if matched.empty:
        return _empty_daily()
    keys = ["resource_id", "day", "kind", "channel"]
    events = matched["learner"].notna()
    counted = (
        matched[~events.to_numpy()]
        .groupby(keys, dropna=False)
        .agg(count=("count", "sum"), learners=("learners", lambda s: s.sum(min_count=1)))
    )
    kept = (
        matched[events.to_numpy()]
        .groupby(keys, dropna=False)
        .agg(count=("count", "sum"), learners=("learner", "nunique"))
    )
    both = pd.concat([counted, kept]).groupby(level=keys, dropna=False)
    daily = both.agg(count=("count", "sum"), learners=("learners", lambda s: s.sum(min_count=1)))
    daily = daily.reset_index().astype({"count": "int64", "learners": "Int64"})
    daily["day"] = daily["day"].dt.date
    daily["channel"] = daily["channel"].astype(object).where(daily["channel"].notna(), None)
    return daily.sort_values(keys, ignore_index=True, na_position="first")[DAILY_COLUMNS]


def _empty_daily() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "resource_id": pd.Series(dtype=object),
            "day": pd.Series(dtype="datetime64[s]").dt.date,
            "kind": pd.Series(dtype=object),
            "channel": pd.Series(dtype=object),
            "count": pd.Series(dtype="int64"),
            "learners": pd.Series(dtype="Int64"),
        }
    )


def _unmatched(unknown: pd.DataFrame) -> pd.DataFrame:
    keys = ["site", "course_id", "url", "kind"]
    table = unknown.groupby(keys, dropna=False).agg(
        count=("count", "sum"), days=("day", "nunique"), first_day=("day", "min"),
        last_day=("day", "max"),
    )  # fmt: skip
    table = table.reset_index().astype({"count": "int64", "days": "int64"})
    table["first_day"], table["last_day"] = table["first_day"].dt.date, table["last_day"].dt.date
    if table.empty:
        table = table.astype({key: object for key in keys})
    return table.sort_values("count", ascending=False, ignore_index=True)[UNMATCHED_COLUMNS]
