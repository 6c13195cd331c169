"""The story of one resource's spread, told in a few sentences from the analysis' tables: how
much, where it started, how far its largest cascade went, when it took off, which communities
it reached and who carried it.

Each sentence is left out when the tables hold nothing for it; nothing unknown is told as 0.
"""

from __future__ import annotations

import pandas as pd

from app.web.i18n import day, moment, number, text

__all__ = ["story"]

#: The carriers named, at most.
CARRIERS = 3


def story(
    language: str,
    title: str,
    totals: pd.Series,
    daily: pd.DataFrame,
    journey: pd.DataFrame,
    cascades: pd.DataFrame,
    episodes: pd.DataFrame,
    communities: pd.DataFrame,
    carriers: pd.DataFrame,
) -> list[str]:
    """The sentences telling a resource's spread, in ``language``.

    Parameters
    ----------
    totals : Series
        ``adoptions`` and ``adopters``
        (:func:`graph.store.results.adoptions.adoption_totals`).
    daily : DataFrame
        Timed adoptions per ``day`` (:func:`graph.store.results.adoptions.daily_adoptions`).
    journey, cascades, episodes, communities, carriers : DataFrame
        The resource's journey, cascades (largest first), take-off episodes (in order),
        communities reached (in order of arrival, small groups as community -1) and
        originators and amplifiers (most carried first), as
        :mod:`graph.store.results.resources` reads them.

    Examples
    --------
    >>> told = story("en", "Oral", pd.Series({"adoptions": 3, "adopters": 2}),
    ...     pd.DataFrame({"day": pd.to_datetime(["2026-09-01", "2026-09-03"])}),
    ...     pd.DataFrame({"platform": ["bluesky"], "first_seen_at": [pd.Timestamp("2026-09-01")]}),
    ...     pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    >>> print(*told, sep="\\n")
    Oral: 3 adoptions by 2 accounts, from 1 Sep 2026 to 3 Sep 2026.
    It stayed on bluesky, where it was first seen on 1 Sep 2026.
    It did not take off (no take-off episode).
    """

    def t(key: str, **values) -> str:
        return text(f"story.{key}", language, **values)

    def n(value) -> str:
        return number(value, language)

    counts = {"title": title, "adoptions": n(totals["adoptions"]),
              "adopters": n(totals["adopters"])}  # fmt: skip
    if daily.empty:  # no timed adoption: no dates
        told = [t("totals", **counts)]
    else:
        told = [t("totals_days", **counts, first=day(daily["day"].min(), language),
                  last=day(daily["day"].max(), language))]  # fmt: skip
    if not journey.empty:
        first = journey.iloc[0]
        when = moment(first["first_seen_at"], language)
        if len(journey) == 1:
            told.append(t("one_platform", platform=first["platform"], when=when))
        else:
            others = ", ".join(journey["platform"].iloc[1:])
            told.append(t("platforms", platform=first["platform"], when=when, others=others))
    if not cascades.empty and cascades["size"].max() > 1:
        largest = cascades.iloc[0]
        virality = largest["structural_virality"]
        told.append(
            t("cascade", size=n(largest["size"]), depth=n(largest["depth"]))
            if pd.isna(virality)
            else t("cascade_virality", size=n(largest["size"]), depth=n(largest["depth"]),
                   virality=n(round(float(virality), 2)))
        )  # fmt: skip
    if episodes.empty:
        told.append(t("no_takeoff"))
    else:
        first = episodes.iloc[0]
        told.append(
            t(
                "takeoff" if len(episodes) > 1 else "takeoff_once",
                count=n(len(episodes)),
                when=moment(first["start"], language),
                adoptions=n(first["adoptions"]),
            )
        )
    named = communities[communities["community"] >= 0] if not communities.empty else communities
    if not named.empty:
        first = named.iloc[0]
        told.append(
            t(
                "communities" if len(named) > 1 else "community",
                count=n(len(named)),
                first=first["label"],
                when=moment(first["arrived_at"], language),
            )
        )
    if not carriers.empty:
        names = ", ".join(carriers["account"].head(CARRIERS))
        told.append(t("carriers", names=names))
    return told
