"""The demo world: who is where, what they posted, and the truth behind it.

:func:`build_world` draws the teacher network (:mod:`app.demo.network`), places every
account on Bluesky or on a Mastodon instance (each community leans to one platform, as
colleagues follow each other there; follow edges across platforms are dropped), gives
accounts synthetic identities, plans the campaigns, spreads the catalogue's resources
(:mod:`app.demo.diffusion`) and writes each post's link the way people do: clean,
without ``www``, with share or campaign tags, shortened, or dead.
"""

from __future__ import annotations

import base64
import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from app.demo.diffusion import DiffusionShape, spread
from app.demo.network import NetworkShape, teacher_network

__all__ = ["INSTANCES", "World", "WorldShape", "build_world", "iso_time", "read_resources"]

#: Mastodon instances and the share of Mastodon teachers on each.
INSTANCES = {
    "piaille.fr": 0.35,
    "mastodon.social": 0.30,
    "framapiaf.org": 0.20,
    "scholar.social": 0.15,
}
#: Campaigns: (UTC time, channel: "newsletter" or an institution, catalogue row, utm_campaign).
CAMPAIGNS = [
    ("2026-09-07 08:00", "newsletter", 1, "rentree2026"),
    ("2026-09-21 16:00", "e-inspe.fr", 0, "maternelle-septembre"),
    ("2026-10-05 08:00", "reseau-canope.fr", 6, "ecole-inclusive"),
    ("2026-11-09 08:00", "newsletter", 7, "oral-novembre"),
]
_FIRST_NAMES = [
    "camille",
    "lea",
    "manon",
    "chloe",
    "ines",
    "sarah",
    "julie",
    "emma",
    "claire",
    "lucie",
    "thomas",
    "nicolas",
    "julien",
    "maxime",
    "hugo",
    "louis",
    "antoine",
    "karim",
    "yasmine",
    "nora",
    "sophie",
    "anne",
    "marie",
    "pierre",
    "paul",
    "mathilde",
    "aurelie",
    "celine",
    "elodie",
    "fatou",
]
_SHORTENERS = ["bit.ly", "tinyurl.com", "ow.ly"]
_LINK_FORMS = {
    "clean": 0.55,
    "bare": 0.10,
    "shared": 0.10,
    "xtor": 0.05,
    "fragment": 0.05,
    "shortened": 0.12,
    "dead-short": 0.03,
}
#: What people write, by kind of post ({title}: the resource's title).
_TEXTS = {
    "post": [
        "Je recommande le parcours « {title} » sur e-INSPÉ, gratuit et bien fait :",
        "Pour les collègues : « {title} », un parcours de formation e-INSPÉ",
        "Parcours très utile avant la rentrée : {title}",
        "Je viens de finir « {title} ». Des idées concrètes pour la classe.",
        "Ressource de formation : {title}",
    ],
    "quote": [
        "À voir absolument !",
        "Merci pour le partage, je le conseille aussi.",
        "Très utile pour les stagiaires INSPÉ.",
        "Je l'ai suivi l'an dernier : top.",
        "Pour mes collègues de l'équipe pédagogique 👇",
    ],
    "reply": [
        "Merci !",
        "Super, je m'inscris.",
        "On l'a fait en conseil des maîtres, très bien.",
        "Est-ce qu'il y a une attestation à la fin ?",
        "Je confirme, excellent parcours.",
    ],
}
#: Hashtags, and the chance that a post carries one.
HASHTAGS = ["eINSPE", "FormationEnseignants", "INSPE", "ReseauCanope"]
_TAGGED = 0.6
_DEAD_PAGES = 0.03  # extra posts linking pages of tracked sites that the catalogue lacks
_DEAD_PAGE = "https://www.e-inspe.fr/course/view.php?id="


@dataclass(frozen=True)
class WorldShape:
    """The whole demo: network, diffusion, platforms."""

    network: NetworkShape = field(default_factory=NetworkShape)
    diffusion: DiffusionShape = field(default_factory=DiffusionShape)
    bluesky_leaning: tuple[float, float] = (0.85, 0.3)  # Bluesky share in either kind of community

    def scaled(self, scale: float) -> WorldShape:
        """The same world with ``scale`` times as many teachers (and so adoptions)."""
        network = NetworkShape(
            **{**self.network.__dict__, "teachers": round(self.network.teachers * scale)}
        )
        diffusion = DiffusionShape(
            **{
                **self.diffusion.__dict__,
                "spontaneous": self.diffusion.spontaneous * scale,
                "newsletter": self.diffusion.newsletter * scale,
            }
        )
        return WorldShape(network, diffusion, self.bluesky_leaning)


@dataclass
class World:
    """Everything the demo's payloads are written from, and the ground truth."""

    accounts: pd.DataFrame  # network columns + platform, instance, address, handle, name
    follows: pd.DataFrame  # follower, followee (same platform)
    resources: pd.DataFrame  # resource_id, title, url, levels, published
    campaigns: pd.DataFrame  # date, channel, resource, utm_campaign
    events: pd.DataFrame  # see diffusion.spread, plus platform, link, form
    likes: pd.DataFrame  # account, target, at
    redirects: dict[str, str | None]  # shortened link -> where it leads (None: dead)


def iso_time(at: pd.Timestamp) -> str:
    """A time as the APIs write it: UTC, milliseconds, ``Z``.

    >>> iso_time(pd.Timestamp("2026-09-01 08:00:00.123456", tz="UTC"))
    '2026-09-01T08:00:00.123Z'
    """
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def read_resources(path: Path) -> pd.DataFrame:
    """The catalogue's resources with one URL each (the first pattern, without ``*``)."""
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return pd.DataFrame(
        {
            "resource_id": [row["resource_id"] for row in rows],
            "title": [row["title"] for row in rows],
            "url": [row["url_patterns"].split()[0].rstrip("*") for row in rows],
            "levels": [
                set() if "tous" in row["level"] else set(row["level"].split()) for row in rows
            ],
            "published": [pd.Timestamp(row["published"], tz="UTC") for row in rows],
        }
    )


def build_world(
    shape: WorldShape, seed: int, catalogue: Path, institutions: dict[str, str]
) -> World:
    """Draw the whole demo world from one seed (``institutions``: Bluesky handle -> name)."""
    rng = np.random.default_rng(seed)
    accounts, follows = teacher_network(shape.network, rng, list(institutions))
    accounts = _placed(accounts, shape.bluesky_leaning, institutions, rng)
    platform = accounts.set_index("account")["platform"]
    same = (
        platform.reindex(follows["follower"]).to_numpy()
        == platform.reindex(follows["followee"]).to_numpy()
    )
    follows = follows[same].reset_index(drop=True)
    resources = read_resources(catalogue)
    campaigns = _campaigns(resources, accounts)
    events, likes = spread(accounts, follows, resources, campaigns, shape.diffusion, rng)
    events = _with_dead_pages(events, accounts, shape.diffusion, rng)
    events["platform"] = platform.reindex(events["account"]).to_numpy()
    institutional = set(accounts.loc[accounts["kind"] == "institution", "account"])
    events, redirects = _with_links(events, resources, institutional, rng)
    events = _with_texts(events, resources, rng)
    return World(accounts, follows, resources, campaigns, events, likes, redirects)


def _placed(accounts: pd.DataFrame, leaning, institutions: dict[str, str], rng) -> pd.DataFrame:
    """Platforms, instances and identities."""
    communities = sorted(accounts["community"].unique())
    share = dict(zip(communities, rng.choice(leaning, size=len(communities)), strict=True))
    on_bluesky = rng.random(len(accounts)) < accounts["community"].map(share).to_numpy()
    institution = accounts["kind"].to_numpy() == "institution"
    on_bluesky |= institution
    accounts = accounts.copy()
    accounts["platform"] = np.where(on_bluesky, "bluesky", "mastodon")
    instances = rng.choice(list(INSTANCES), size=len(accounts), p=list(INSTANCES.values()))
    accounts["instance"] = np.where(on_bluesky, None, instances)
    first = rng.choice(_FIRST_NAMES, size=len(accounts))
    initials = rng.choice(list("ABCDEFGHJLMNPRSTV"), size=len(accounts))
    number = accounts["account"].str.lstrip("t").str.lstrip("0").replace("", "0")
    user = pd.Series(first, index=accounts.index) + number
    accounts["handle"] = np.where(
        institution,
        accounts["account"],
        np.where(
            on_bluesky,
            user.str.replace(r"(\d+)$", r"-\1", regex=True) + ".bsky.social",
            user + "@" + accounts["instance"].fillna(""),
        ),
    )
    accounts["name"] = np.where(
        institution,
        accounts["account"].map(institutions),
        [f"{f.title()} {i}." for f, i in zip(first, initials, strict=True)],
    )
    accounts["address"] = np.where(
        on_bluesky, [_did(a) for a in accounts["account"]], accounts["handle"]
    )
    return accounts


def _did(account: str) -> str:
    """A did:plc-shaped identifier (24 base32 characters), the same for the same account."""
    digest = hashlib.sha256(f"essaim-demo:{account}".encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


def _campaigns(resources: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    known = set(accounts["account"])
    rows = [
        {
            "date": pd.Timestamp(when, tz="UTC"),
            "channel": channel,
            "resource": resources["resource_id"].iloc[row % len(resources)],
            "utm_campaign": campaign,
        }
        for when, channel, row, campaign in CAMPAIGNS
        if channel == "newsletter" or channel in known
    ]
    return pd.DataFrame(rows, columns=["date", "channel", "resource", "utm_campaign"])


def _with_dead_pages(events, accounts, shape: DiffusionShape, rng) -> pd.DataFrame:
    """Posts linking pages of the tracked sites that no catalogue resource is (dead links)."""
    count = round(len(events) * _DEAD_PAGES)
    teachers = accounts.loc[accounts["kind"] == "person", "account"].to_numpy()
    start, end = pd.Timestamp(shape.start, tz="UTC"), pd.Timestamp(shape.end, tz="UTC")
    numbers = np.arange(len(events), len(events) + count)
    dead = pd.DataFrame(
        {
            "event": numbers,
            "resource_id": None,
            "account": rng.choice(teachers, size=count),
            "kind": "post",
            "at": start + (end - start) * rng.random(count),
            "parent": -1,
            "target": -1,
            "shown": numbers,
            "campaign": None,
            "origin": "dead-page",
        }
    )
    return pd.concat([events, dead], ignore_index=True)


def _with_links(events: pd.DataFrame, resources: pd.DataFrame, institutional: set[str], rng):
    """The link each post carries, as written (``form``), and where shortened links lead."""
    urls = resources.set_index("resource_id")["url"]
    posts = events["kind"].eq("post").to_numpy()
    forms = rng.choice(list(_LINK_FORMS), size=len(events), p=list(_LINK_FORMS.values()))
    forms = np.where(events["campaign"].notna(), "campaign", forms)
    forms = np.where(events["origin"].eq("dead-page"), "dead-page", forms)
    # a quote or a reply repeats the link one time in five
    forms = np.where(~posts & (rng.random(len(events)) >= 0.2), None, forms)
    forms = np.where(events["kind"].eq("repost"), None, forms)
    links, redirects = [], {}
    newsletter = ~events["account"].isin(institutional).to_numpy()
    rows = zip(
        events["event"],
        events["resource_id"],
        forms,
        events["campaign"],
        np.where(newsletter, "newsletter", events["platform"]),
        strict=True,
    )
    for event, resource, form, campaign, source in rows:
        if form is None:
            links.append(None)
            continue
        url = urls.get(resource) if resource else f"{_DEAD_PAGE}{400 + event % 97}"
        link = _written(url, form, campaign, source, event)
        if form in ("shortened", "dead-short"):
            redirects[link] = url if form == "shortened" else None
        links.append(link)
    events = events.assign(link=links, form=forms)
    return events, redirects


def _written(url: str, form: str, campaign: str | None, source: str, event: int) -> str:
    """``url`` as someone wrote it (``source``: the platform, or where a campaign link came
    from)."""
    joiner = "&" if "?" in url else "?"
    if form == "campaign":
        medium = "email" if source == "newsletter" else "social"
        return f"{url}{joiner}utm_source={source}&utm_medium={medium}&utm_campaign={campaign}"
    if form == "bare":
        return url.replace("https://www.", "http://")
    if form == "shared":
        return f"{url}{joiner}utm_source={source}&utm_medium=social"
    if form == "xtor":
        return f"{url}{joiner}xtor=CS1-{event % 50}"
    if form == "fragment":
        return f"{url}#section-{event % 5}"
    if form in ("shortened", "dead-short"):
        code = base64.b32encode(hashlib.sha256(f"{event}".encode()).digest()).decode()[:7]
        return f"https://{_SHORTENERS[event % len(_SHORTENERS)]}/{code}"
    return url


def _with_texts(events: pd.DataFrame, resources: pd.DataFrame, rng) -> pd.DataFrame:
    """What each post says (without its link) and its hashtags."""
    titles = resources.set_index("resource_id")["title"]
    kinds = events["kind"].to_numpy()
    picks = rng.integers(0, 5, size=len(events))
    tagged = rng.random(len(events)) < _TAGGED
    tags = rng.choice(HASHTAGS, size=len(events))
    texts, hashtags = [], []
    for kind, resource, pick, has_tag, tag in zip(
        kinds, events["resource_id"], picks, tagged, tags, strict=True
    ):
        if kind == "repost":
            texts.append(None)
            hashtags.append([])
            continue
        title = titles.get(resource, "un parcours e-INSPÉ")
        texts.append(_TEXTS[kind][pick].format(title=title))
        hashtags.append([tag] if has_tag and kind != "reply" else [])
    return events.assign(text=texts, hashtags=hashtags)
