"""The demo's usage layer: what the synthetic diffusion brought to the parcours, with a planted
effect to recover.

Drawn from the demo's true adoptions (``events.csv.xz``) and its newsletter actions
(``campaigns.csv``):

- each adoption brings Poisson(``visits_per_adoption``) visits to its resource's course page,
  each after a log-normal delay (median ``delay_hours``; 99.7 % within a week);
- organic visits (not caused by the diffusion) arrive on every day at ``organic_visits`` per
  resource times a weekday profile, lowered on French school holidays (the share of zones
  on holiday, as :func:`graph.campaigns.holiday_share` gives it);
- a newsletter action is sent to ``recipients``; some open it, some click the resource's link
  and visit the page, after a shorter delay;
- every visit converts to an enrolment with probability ``conversion``; an enrolled learner
  comes back a few times and may complete the course weeks later.

So the planted effect is ``100 × visits_per_adoption × conversion`` enrolments caused per 100
adoptions, the same for every resource. Nothing happens after the demo's collection moment.

The layer is written as a user would receive it: the Moodle log report's CSV download
(French headers and dates, invented learners, documentation IP addresses), the Matomo
Reporting API's daily reports (the pages report also segmented by referrer type: the visits
from social networks and from campaigns), and Brevo's campaign list; with the truth per
resource.
"""

from __future__ import annotations

import json
import lzma
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd

from app.demo.diffusion import DiffusionShape
from app.demo.replay import Reply
from app.demo.world import read_resources
from graph.campaigns import holiday_share

__all__ = [
    "MATOMO_SITE",
    "UsageShape",
    "add_usage",
    "brevo_campaigns",
    "draw_usage",
    "matomo_api",
    "matomo_reports",
    "moodle_log",
]

#: The referrer segments Matomo's page report is asked with, and the channel of each.
_MATOMO_SEGMENTS = {"referrerType==social": "social", "referrerType==campaign": "campaign"}

PARIS = "Europe/Paris"
#: The synthetic Matomo instance and the site it measures (as ``collect matomo`` is told).
MATOMO_SITE = {"url": "http://matomo.e-inspe.example", "site_id": 1}
SITE = "https://www.e-inspe.fr/"
#: Matomo's names of the social networks the demo's platforms are.
SOCIALS = {"bluesky": "Bluesky", "mastodon": "Mastodon", "telegram": "Telegram"}
_XZ = {"method": "xz", "preset": 9}
_GUEST = 1  # Moodle's guest user
_FIRST_LEARNER = 2001
_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
_GIVEN = ["Camille", "Léa", "Manon", "Inès", "Julie", "Claire", "Lucie", "Thomas", "Nicolas",
          "Hugo", "Karim", "Yasmine", "Nora", "Sophie", "Anne", "Mathilde", "Aurélie", "Élodie",
          "Fatou", "Paul"]  # fmt: skip
_FAMILY = ["Aubrac", "Belcourt", "Chanteloup", "Dervaux", "Estagel", "Fontanes", "Gravelle",
           "Hautier", "Issartel", "Jonquet", "Kervella", "Lamarzelle", "Maurandy", "Noirclerc",
           "Orsenne", "Pradeloup", "Quercize", "Roumanel", "Sablayrac", "Tavernol"]  # fmt: skip
#: The log report's columns, as Moodle's French interface names them.
LOG_COLUMNS = ["Heure", "Nom complet de l'utilisateur", "Utilisateur concerné",
               "Contexte de l'événement", "Composant", "Nom de l'événement", "Description",
               "Origine", "Adresse IP"]  # fmt: skip
#: Per kind of event: its French name and its (English) description.
_EVENTS = {
    "view": ("Cours consulté", "The user with id '{user}' viewed the course with id '{course}'."),
    "enrolment": (
        "Utilisateur inscrit au cours",
        "The user with id '{user}' enrolled the user with id '{user}' using the enrolment "
        "method 'self' in the course with id '{course}'.",
    ),
    "completion": (
        "Cours terminé",
        "The user with id '{user}' completed the course with id '{course}'.",
    ),
}


@dataclass(frozen=True)
class UsageShape:
    """How the diffusion turns into use (the planted truth)."""

    visits_per_adoption: float = 0.6
    conversion: float = 0.08  # a visit's chance to enrol
    delay_hours: float = 6.0  # median delay from an adoption to the visits it brings
    delay_sigma: float = 1.2  # of the log-normal delay's logarithm
    organic_visits: float = 5.0  # per resource and ordinary day, on average over a week
    weekday: tuple[float, ...] = (1.15, 1.15, 1.3, 1.1, 1.0, 0.7, 0.6)  # Monday first
    holidays: float = 0.5  # organic visits on a day every zone is on holiday, relatively
    revisits: float = 1.5  # later course views per enrolled learner (Poisson mean)
    completion: float = 0.3  # an enrolled learner's chance to complete
    completion_days: float = 18.0  # mean delay from enrolment to completion (exponential)
    recipients: int = 12_000  # of each newsletter
    opens: float = 0.38  # unique opens per recipient
    clicks: float = 0.005  # unique clicks on the resource's link per recipient
    clicks_other: float = 0.006  # unique clicks on the newsletter's other link
    newsletter_hours: float = 3.0  # median delay from sending to a click's visit

    @property
    def planted(self) -> float:
        """Enrolments caused per 100 adoptions (expected)."""
        return 100 * self.visits_per_adoption * self.conversion

    def scaled(self, scale: float) -> UsageShape:
        """The same shape for ``scale`` times as many teachers."""
        return UsageShape(
            **{
                **asdict(self),
                "organic_visits": self.organic_visits * scale,
                "recipients": round(self.recipients * scale),
            }
        )


@dataclass
class Drawn:
    """The drawn usage: visits, Moodle events, newsletters and the truth per resource."""

    visits: pd.DataFrame  # resource_id, course_id, url, at, channel, cause, learner (0: none)
    events: pd.DataFrame  # at, learner (1: guest), kind (view/enrolment/completion), course_id
    newsletters: pd.DataFrame  # action, utm_campaign, resource_id, sent, recipients, opens, …
    truth: pd.DataFrame  # one row per resource


def draw_usage(
    adoptions: pd.DataFrame,
    resources: pd.DataFrame,
    newsletters: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    rng: np.random.Generator,
    shape: UsageShape = UsageShape(),
) -> Drawn:
    """Draw the usage between ``start`` and ``end`` (UTC; nothing at or after ``end``).

    Parameters
    ----------
    adoptions : DataFrame
        The true adoptions: ``resource_id``, ``platform``, ``at`` (UTC) and ``link`` (the URL
        the post carries, or null).
    resources : DataFrame
        ``resource_id``, ``title`` and ``url`` (its course page, ``…/course/view.php?id=N``).
    newsletters : DataFrame
        The newsletter actions: ``resource`` (a resource id), ``date`` (UTC) and
        ``utm_campaign``.
    """
    urls = resources.set_index("resource_id")["url"]
    urls = urls[urls.str.startswith(SITE)]  # the pages Matomo measures
    newsletter, sent = _newsletter_visits(newsletters, end, rng, shape)
    visits = pd.concat(
        [
            _caused(adoptions, end, rng, shape),
            _organic(urls.index, start, end, rng, shape),
            newsletter,
        ],
        ignore_index=True,
    )
    visits = visits[visits["resource_id"].isin(urls.index)]
    visits["at"] = pd.to_datetime(visits["at"], utc=True)
    visits = visits.sort_values("at", kind="stable").reset_index(drop=True)
    visits["url"] = urls.reindex(visits["resource_id"]).to_numpy()
    visits["course_id"] = visits["url"].map(course_id)
    enrolled = (rng.random(len(visits)) < shape.conversion) & visits["course_id"].notna()
    visits["learner"] = 0
    visits.loc[enrolled, "learner"] = _FIRST_LEARNER + np.arange(enrolled.sum())
    learners = visits[enrolled]
    again = learners.loc[learners.index.repeat(rng.poisson(shape.revisits, len(learners)))]
    revisits = again.assign(
        at=again["at"] + pd.to_timedelta(rng.random(len(again)) * 30, unit="D"),
        channel="direct",
        cause="revisit",
    )
    visits = pd.concat([visits, revisits[revisits["at"] < end]], ignore_index=True)
    events = _moodle_events(visits, end, rng, shape)
    truth = _truth(adoptions, visits, events, resources, shape)
    return Drawn(visits, events, sent, truth)


def course_id(url: str) -> str | None:
    """The Moodle course id of a course page's URL, else None.

    >>> course_id("https://www.e-inspe.fr/course/view.php?id=101"), course_id("https://x.fr/")
    ('101', None)
    """
    parts = urlsplit(url)
    if not parts.path.endswith("/course/view.php"):
        return None
    return parse_qs(parts.query).get("id", [None])[0]


def _caused(adoptions, end, rng, shape) -> pd.DataFrame:
    """The visits each adoption brings, after a log-normal delay."""
    count = rng.poisson(shape.visits_per_adoption, len(adoptions))
    source = adoptions.loc[adoptions.index.repeat(count)]
    hours = np.exp(np.log(shape.delay_hours) + shape.delay_sigma * rng.standard_normal(len(source)))
    at = pd.DatetimeIndex(source["at"]) + pd.to_timedelta(hours, unit="h")
    campaign = source["link"].map(_utm_campaign)
    social = "social:" + source["platform"].map(SOCIALS).str.lower()
    channel = ("campaign:" + campaign).fillna(social).fillna("website")
    frame = pd.DataFrame(
        {"resource_id": source["resource_id"].to_numpy(), "at": at,
         "channel": channel.to_numpy(), "cause": "adoption"}
    )  # fmt: skip
    return frame[frame["at"] < end]


def _utm_campaign(link) -> str | None:
    if not isinstance(link, str):
        return None
    return parse_qs(urlsplit(link).query).get("utm_campaign", [None])[0]


def _organic(resource_ids, start, end, rng, shape) -> pd.DataFrame:
    """Visits nobody's post brought: a weekly rhythm, fewer on school holidays."""
    days = organic_days(start, end)
    rate = shape.organic_visits * organic_rhythm(days, shape)
    counts = rng.poisson(np.tile(rate, len(resource_ids)))
    day = np.tile(days.to_numpy(), len(resource_ids)).repeat(counts)
    at = pd.DatetimeIndex(day).tz_localize(PARIS, nonexistent="shift_forward", ambiguous=True)
    at = at.tz_convert("UTC") + pd.to_timedelta(rng.random(len(at)) * 24, unit="h")
    channel = rng.choice(["search", "direct"], len(at), p=[0.6, 0.4])
    frame = pd.DataFrame(
        {"resource_id": np.repeat(np.asarray(resource_ids), len(days)).repeat(counts), "at": at,
         "channel": channel, "cause": "organic"}
    )  # fmt: skip
    return frame[(frame["at"] >= start) & (frame["at"] < end)]


def organic_days(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """The Paris days of the period (naive dates)."""
    first = start.tz_convert(PARIS).normalize().tz_localize(None)
    last = (end - pd.Timedelta(1)).tz_convert(PARIS).normalize().tz_localize(None)
    return pd.date_range(first, last, freq="D")


def organic_rhythm(days: pd.DatetimeIndex, shape: UsageShape) -> np.ndarray:
    """Each day's organic visits relative to an ordinary day: weekday times holidays.

    The weekday profile is normalised to a mean of 1; a day when every zone is on holiday
    gets ``shape.holidays`` of its visits, a day when one zone in three is, a third of the
    reduction.

    >>> days = pd.DatetimeIndex(["2026-10-14", "2026-10-21"])  # Wednesdays, the 2nd in holidays
    >>> organic_rhythm(days, UsageShape(weekday=(1, 1, 2, 1, 1, 1, 1), holidays=0.5)).round(3)
    array([1.75 , 0.875])
    """
    weekday = np.asarray(shape.weekday, dtype=float)
    weekday = weekday / weekday.mean()
    holiday = np.nan_to_num(holiday_share(days))
    return weekday[days.day_of_week] * (1 - (1 - shape.holidays) * holiday)


def _newsletter_visits(newsletters, end, rng, shape) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The newsletters' opens and clicks, and the visits their resource's link brings."""
    rows, visits = [], []
    for number, action in enumerate(newsletters.itertuples(index=False)):
        opens = rng.binomial(shape.recipients, shape.opens)
        clicks = rng.binomial(opens, shape.clicks / shape.opens)
        other = rng.binomial(opens, shape.clicks_other / shape.opens)
        hours = np.exp(np.log(shape.newsletter_hours) + rng.standard_normal(clicks))
        at = action.date + pd.to_timedelta(hours, unit="h")
        visits.append(
            pd.DataFrame({"resource_id": action.resource, "at": at,
                          "channel": f"campaign:{action.utm_campaign}", "cause": "newsletter"})
        )  # fmt: skip
        rows.append({"campaign_id": 100 + number, "utm_campaign": action.utm_campaign,
                     "resource_id": action.resource, "sent": action.date,
                     "recipients": shape.recipients, "opens": opens, "clicks": clicks,
                     "clicks_other": other})  # fmt: skip
    columns = ["resource_id", "at", "channel", "cause"]
    frame = pd.concat(visits, ignore_index=True) if visits else pd.DataFrame(columns=columns)
    return frame[frame["at"] < end], pd.DataFrame(rows)


def _moodle_events(visits, end, rng, shape) -> pd.DataFrame:
    """What Moodle logs: a view per visit (by the guest unless the visitor is a learner), each
    enrolment just before its visit's view, and the completions."""
    learner = visits["learner"].where(visits["learner"] > 0, _GUEST)
    view = pd.DataFrame({"at": visits["at"], "learner": learner, "kind": "view",
                         "course_id": visits["course_id"]})  # fmt: skip
    view = view[view["course_id"].notna()]
    first = visits[(visits["learner"] > 0) & (visits["cause"] != "revisit")]
    enrol = pd.DataFrame({"at": first["at"] - pd.Timedelta(seconds=30), "kind": "enrolment",
                          "learner": first["learner"],
                          "course_id": first["course_id"]})  # fmt: skip
    done = first[rng.random(len(first)) < shape.completion]
    days = rng.exponential(shape.completion_days, len(done))
    complete = pd.DataFrame({"at": done["at"] + pd.to_timedelta(days, unit="D"),
                             "kind": "completion", "learner": done["learner"],
                             "course_id": done["course_id"]})  # fmt: skip
    events = pd.concat([view, enrol, complete], ignore_index=True)
    events = events[events["at"] < end]
    return events.sort_values("at", kind="stable").reset_index(drop=True)


def _truth(adoptions, visits, events, resources, shape) -> pd.DataFrame:
    """Per resource: adoptions, visits and enrolments by cause, completions, planted rate."""
    by_cause = pd.crosstab(visits["resource_id"], visits["cause"])
    enrolled = visits[(visits["learner"] > 0) & (visits["cause"] != "revisit")]
    enrolments = pd.crosstab(enrolled["resource_id"], enrolled["cause"])
    done = events[events["kind"] == "completion"]["course_id"].value_counts()
    ids = resources["resource_id"]
    course = resources["url"].map(course_id)
    table = pd.DataFrame({"resource_id": ids, "course_id": course})

    def column(frame, cause):
        found = frame[cause] if cause in frame else pd.Series(dtype=int)
        return found.reindex(ids, fill_value=0).to_numpy()

    table["adoptions"] = adoptions["resource_id"].value_counts().reindex(ids, fill_value=0).values
    for cause in ("adoption", "organic", "newsletter", "revisit"):
        name = "caused" if cause == "adoption" else cause
        table[f"{name}_visits"] = column(by_cause, cause)
        if cause != "revisit":
            table[f"{name}_enrolments"] = column(enrolments, cause)
    table["visits"] = by_cause.sum(axis=1).reindex(ids, fill_value=0).to_numpy()
    table["enrolments"] = enrolments.sum(axis=1).reindex(ids, fill_value=0).to_numpy()
    table["completions"] = done.reindex(table["course_id"], fill_value=0).to_numpy()
    table["planted_per_100"] = np.where(course.notna(), shape.planted, np.nan)
    return table


def moodle_log(events: pd.DataFrame, resources: pd.DataFrame, rng: np.random.Generator):
    """The log report's rows as Moodle's CSV download writes them in French (newest first)."""
    events = events.iloc[::-1].reset_index(drop=True)
    titles = resources.set_index(resources["url"].map(course_id))["title"]
    titles = titles[titles.index.notna()]
    learners = np.unique(events["learner"])
    names = {_GUEST: "Utilisateur invité"} | {
        learner: f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}"
        for learner in learners
        if learner != _GUEST
    }
    local = events["at"].dt.tz_convert(PARIS)
    kinds = events["kind"].map({kind: name for kind, (name, _) in _EVENTS.items()})
    describe = [
        _EVENTS[kind][1].format(user=learner, course=course)
        for kind, learner, course in events[["kind", "learner", "course_id"]].itertuples(
            index=False
        )
    ]
    ip = 1 + (events["learner"].to_numpy() * 7919) % 253
    name = events["learner"].map(names)
    return pd.DataFrame(
        {
            "Heure": [_french_time(at) for at in local],
            "Nom complet de l'utilisateur": name,
            "Utilisateur concerné": name.where(events["kind"] == "enrolment", "-"),
            "Contexte de l'événement": "Cours : " + events["course_id"].map(titles),
            "Composant": "Système",
            "Nom de l'événement": kinds,
            "Description": describe,
            "Origine": "web",
            "Adresse IP": [f"192.0.2.{n}" for n in ip],  # RFC 5737 documentation addresses
        },
        columns=LOG_COLUMNS,
    )


def _french_time(at: pd.Timestamp) -> str:
    """Moodle's French date and time.

    >>> _french_time(pd.Timestamp("2025-11-03 14:05", tz=PARIS))
    'lundi 3 novembre 2025, 14:05'
    """
    return f"{_DAYS[at.day_of_week]} {at.day} {_MONTHS[at.month - 1]} {at.year}, {at:%H:%M}"


def matomo_reports(visits: pd.DataFrame) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The Matomo reports per Paris day: ``Referrers.getSocials``, ``Referrers.getCampaigns``
    and ``Actions.getPageUrls`` (flat), as ``{method: {date: rows}}``, and the pages report of
    the visits from social networks and from campaigns (a ``social:`` or ``campaign:``
    channel), as ``{"<method> <segment>": {date: rows}}`` (``Actions.getPageUrls
    referrerType==social``); every day present."""
    frame = visits.assign(day=visits["at"].dt.tz_convert(PARIS).dt.strftime("%Y-%m-%d"))
    days = sorted(frame["day"].unique())
    social = frame[frame["channel"].str.startswith("social:")]
    campaign = frame[frame["channel"].str.startswith("campaign:")]

    def rows(part, label, extra=None):
        answer = {day: [] for day in days}
        for (day, name), group in part.groupby(["day", label], sort=True):
            count = len(group)
            row = {"label": name, "nb_visits": count, "nb_uniq_visitors": count,
                   "nb_actions": count + len(group) // 3}  # fmt: skip
            answer[day].append(row | (extra(name) if extra else {}))
        for day in days:
            answer[day].sort(key=lambda row: -row["nb_visits"])
        return answer

    def pages(part):
        path = part["url"].map(lambda url: url.split("e-inspe.fr", 1)[1])
        return rows(part.assign(name=path), "name",
                    lambda name: {"url": "https://www.e-inspe.fr" + name})  # fmt: skip

    segmented = {
        f"Actions.getPageUrls {segment}": pages(frame[frame["channel"].str.startswith(f"{to}:")])
        for segment, to in _MATOMO_SEGMENTS.items()
    }
    return {
        "Referrers.getSocials": rows(
            social.assign(name=social["channel"].str[7:].map(
                {value.lower(): value for value in SOCIALS.values()})), "name"),
        "Referrers.getCampaigns": rows(campaign.assign(name=campaign["channel"].str[9:]), "name"),
        "Actions.getPageUrls": pages(frame),
    } | segmented  # fmt: skip


def matomo_api(reports: dict[str, dict[str, list]]) -> Callable[[list], Reply]:
    """Matomo's Reporting API over ``reports`` (:func:`matomo_reports`), for
    :meth:`ReplayServer.add_dynamic`: the site's description, and each report (of its
    ``segment`` when asked with one) for any range of days (``period=day``; a day without
    visits is an empty list); an error answer, as Matomo gives, for anything else."""

    def answer(pairs: list[tuple[str, str]]) -> Reply:
        query = dict(pairs)
        method = query.get("method", "")
        if method == "SitesManager.getSiteFromId":
            return Reply({"idsite": query.get("idSite"), "name": "e-INSPÉ",
                          "main_url": SITE.rstrip("/"), "timezone": PARIS})  # fmt: skip
        report = " ".join(filter(None, (method, query.get("segment"))))
        if report not in reports or query.get("period") != "day" or "," not in query["date"]:
            return Reply({"result": "error", "message": f"The demo cannot answer {report}."})
        days = pd.date_range(*query["date"].split(",")).strftime("%Y-%m-%d")
        return Reply({day: reports[report].get(day, []) for day in days})

    return answer


def brevo_campaigns(sent: pd.DataFrame, resources: pd.DataFrame) -> dict[str, Any]:
    """Brevo's ``GET /v3/emailCampaigns`` answer (with statistics) for the newsletters."""
    url = resources.set_index("resource_id")["url"]
    campaigns = []
    for row in sent.itertuples(index=False):
        link = (f"{url[row.resource_id]}&utm_source=newsletter&utm_medium=email"
                f"&utm_campaign={row.utm_campaign}")  # fmt: skip
        delivered = row.recipients - row.recipients // 100
        stats = {"listId": 2, "uniqueClicks": row.clicks + row.clicks_other,
                 "clickers": row.clicks + row.clicks_other, "complaints": 0,
                 "delivered": delivered, "sent": row.recipients,
                 "softBounces": row.recipients // 200,
                 "hardBounces": row.recipients // 100 - row.recipients // 200,
                 "uniqueViews": row.opens, "trackableViews": row.opens, "unsubscriptions": 3,
                 "viewed": row.opens + row.opens // 4, "deferred": 0}  # fmt: skip
        sent_at = row.sent.tz_convert(PARIS).isoformat(timespec="milliseconds")
        campaigns.append({
            "id": int(row.campaign_id), "name": f"Lettre e-INSPÉ — {row.utm_campaign}",
            "subject": "Les parcours e-INSPÉ du moment", "type": "classic", "status": "sent",
            "scheduledAt": sent_at, "sentDate": sent_at, "testSent": False,
            "recipients": {"lists": [2], "exclusionLists": []},
            "statistics": {"globalStats": stats, "campaignStats": [stats], "mirrorClick": 0,
                           "remaining": 0,
                           "linksStats": {link: row.clicks + row.clicks // 5,
                                          "https://www.e-inspe.fr/": row.clicks_other}},
        })  # fmt: skip
    return {"campaigns": campaigns, "count": len(campaigns)}


def add_usage(folder: Path, catalogue: Path, seed: int, scale: float = 1.0) -> dict[str, Any]:
    """Draw the usage layer from the demo's truth in ``folder`` and write its files there:
    ``moodle-log.csv.xz``, ``matomo.json.xz``, ``brevo-campaigns.json`` and
    ``usage-truth.csv``; return its entry of ``demo.json``."""
    period = DiffusionShape()
    start, end = pd.Timestamp(period.start, tz="UTC"), pd.Timestamp(period.end, tz="UTC")
    events = pd.read_csv(folder / "events.csv.xz")
    adoptions = events[events["resource_id"].notna()]
    adoptions = adoptions.assign(at=pd.to_datetime(adoptions["at"], utc=True, format="ISO8601"))
    actions = pd.read_csv(folder / "campaigns.csv", keep_default_na=False)
    actions = actions[actions["channel"] == "newsletter"]
    actions = actions.assign(date=pd.to_datetime(actions["date"]).dt.tz_localize(PARIS)
                             .dt.tz_convert("UTC"))  # fmt: skip
    resources = read_resources(catalogue)
    rng = np.random.default_rng([seed, 3])
    shape = UsageShape().scaled(scale)
    drawn = draw_usage(adoptions, resources, actions, start, end, rng, shape)
    log = moodle_log(drawn.events, resources, rng)
    log.to_csv(folder / "moodle-log.csv.xz", index=False, compression=_XZ)
    with lzma.open(folder / "matomo.json.xz", "wt", encoding="utf-8", preset=9) as file:
        json.dump(matomo_reports(drawn.visits), file, ensure_ascii=False, separators=(",", ":"))
    (folder / "brevo-campaigns.json").write_text(
        json.dumps(brevo_campaigns(drawn.newsletters, resources), ensure_ascii=False, indent=1)
        + "\n",
        encoding="utf-8",
    )
    drawn.truth.to_csv(folder / "usage-truth.csv", index=False)
    days = organic_days(start, end)
    return {
        "planted_per_100_adoptions": shape.planted,
        "shape": asdict(shape),
        "site": SITE,
        "matomo": MATOMO_SITE,
        "since": f"{days[0]:%Y-%m-%d}",
        "until": f"{days[-1]:%Y-%m-%d}",
        "log_lines": len(log),
    }
