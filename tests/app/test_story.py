"""The story of a resource's spread (app/web/story.py), on tables written by hand."""

from __future__ import annotations

import pandas as pd

from app.web.story import story


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


TOTALS = pd.Series({"adoptions": 1234, "adopters": 1001})
DAILY = pd.DataFrame({"day": pd.to_datetime(["2026-09-03", "2026-09-01", "2026-10-02"])})
JOURNEY = pd.DataFrame(
    {"platform": ["mastodon", "bluesky", "telegram"],
     "first_seen_at": [at("2026-09-01 08:05"), at("2026-09-02"), at("2026-09-09")]}
)  # fmt: skip
CASCADES = pd.DataFrame(
    {"size": [40, 3, 1], "depth": [4, 1, 0], "structural_virality": [2.456, 1.33, None]}
)
EPISODES = pd.DataFrame({"start": [at("2026-09-07 10:00"), at("2026-09-20 12:00")],
                         "adoptions": [120, 30]})  # fmt: skip
COMMUNITIES = pd.DataFrame(
    {"community": [-1, 3, 0], "label": ["petits groupes", "#oral · @ac-lyon", "#maternelle"],
     "arrived_at": [at("2026-09-01"), at("2026-09-02 14:30"), at("2026-09-05")]}
)  # fmt: skip
CARRIERS = pd.DataFrame({"account": ["reseau-canope.fr", "p-1a2b", "p-3c4d", "p-5e6f"]})


def test_a_resource_that_spread_is_told_in_french_in_order():
    told = story("fr", "Enseigner l'oral", TOTALS, DAILY, JOURNEY, CASCADES, EPISODES,
                 COMMUNITIES, CARRIERS)  # fmt: skip
    assert told == [
        "Enseigner l'oral : 1\u00a0234 adoptions par 1\u00a0001 comptes, "
        "du 1 sept. 2026 au 2 oct. 2026.",
        "Elle est apparue d'abord sur mastodon le 1 sept. 2026, 08:05, puis sur bluesky, telegram.",
        "Sa plus grande cascade a réuni 40 comptes (profondeur 4, viralité structurelle 2,46).",
        "Elle a décollé 2 fois ; la première le 7 sept. 2026, 10:00 (120 adoptions).",
        # the small groups are no community: two communities, the first one named
        "Elle a atteint 2 communautés ; la première, « #oral · @ac-lyon », le 2 sept. 2026, 14:30.",
        "Ceux qui l'ont le plus portée : reseau-canope.fr, p-1a2b, p-3c4d.",
    ]


def test_one_of_each_is_said_in_the_singular_and_unknown_is_left_out():
    told = story(
        "en", "Oral", TOTALS, pd.DataFrame(columns=["day"]), JOURNEY.head(1),
        CASCADES.iloc[[0]].assign(structural_virality=None), EPISODES.head(1),
        COMMUNITIES.head(2), pd.DataFrame(columns=["account"]),
    )  # fmt: skip
    assert told == [
        "Oral: 1,234 adoptions by 1,001 accounts.",  # no timed adoption: no dates
        "It stayed on mastodon, where it was first seen on 1 Sep 2026, 08:05.",
        "Its largest cascade gathered 40 accounts (depth 4).",  # virality unknown: not said
        "It took off once, on 7 Sep 2026, 10:00 (120 adoptions).",
        "It reached one community, '#oral · @ac-lyon', on 2 Sep 2026, 14:30.",
    ]


def test_a_resource_of_single_adoptions_has_no_cascade_sentence():
    told = story("en", "Oral", TOTALS, DAILY, JOURNEY, CASCADES.tail(1), pd.DataFrame(),
                 COMMUNITIES.head(1), CARRIERS.head(1))  # fmt: skip
    assert not any("cascade" in sentence for sentence in told)
    assert "It did not take off (no take-off episode)." in told
    assert not any("communit" in sentence for sentence in told)  # small groups only
    assert told[-1] == "Those who carried it most: reseau-canope.fr."
