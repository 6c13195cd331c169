"""Write the demo: recorded responses, campaigns, ground truth and a description.

The folder holds:

- ``recording.jsonl.xz``: every response the collectors will be given
  (:mod:`app.demo.recording`), Bluesky's, every Mastodon instance's, and the pages
  of the teachers' phpBB forum, Discourse forum and Telegram channels
  (:mod:`app.demo.forums`);
- ``campaigns.csv``: the communication actions, in the format ``[analysis] campaigns`` reads,
  with the tracking parameters their links carry;
- ``accounts.csv.xz``: the ground truth about accounts (platform id, planted community,
  level, discipline, académie, cohort);
- ``events.csv.xz``: the ground truth about adoptions (true parent of every one);
- the usage layer (:mod:`app.demo.usage`): ``moodle-log.csv.xz`` (the Moodle log report's
  download), ``matomo.json.xz`` (the Matomo reports per day), ``brevo-campaigns.json`` (the
  newsletters' report) and ``usage-truth.csv`` (per resource: adoptions, visits and
  enrolments by cause, the planted effect);
- ``demo.json``: seed, scale, what the collectors must be asked, the counts, the planted
  usage effect, and the deliberately malformed answers.

Everything is synthetic: no real person's post, account or handle (institutions excepted,
under their public names).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.demo.bluesky import APPVIEW, PLC, SERVICE, add_bluesky
from app.demo.forums import DISCOURSE, FORUM_INDEX, TELEGRAM, ForumShape, add_forums
from app.demo.mastodon import add_mastodon
from app.demo.recording import Recording
from app.demo.usage import add_usage
from app.demo.world import HASHTAGS, INSTANCES, World, WorldShape, build_world
from collectors import __version__

__all__ = [
    "DEMO_SEED",
    "TRACKED_DOMAINS",
    "bluesky_institutions",
    "generate",
    "shortener_responses",
]

DEMO_SEED = 2026
TRACKED_DOMAINS = ["e-inspe.fr", "reseau-canope.fr"]
TEXT_QUERY = "e-INSPÉ"
_XZ = {"method": "xz", "preset": 9}


def generate(
    folder: Path,
    catalogue: Path,
    institutions: Path,
    *,
    scale: float = 1.0,
    seed: int = DEMO_SEED,
) -> dict[str, Any]:
    """Draw the demo world and write its files into ``folder``; return ``demo.json``.

    ``catalogue`` is the catalogue CSV whose resources spread; ``institutions`` the
    allow-list CSV, whose Bluesky accounts take part.
    """
    shape = WorldShape().scaled(scale)
    world = build_world(shape, seed, catalogue, bluesky_institutions(institutions))
    rng = np.random.default_rng([seed, 1])
    recording, malformed = Recording(), []
    searches = [{"q": d, "domain": d} for d in TRACKED_DOMAINS] + [{"q": TEXT_QUERY}]
    add_bluesky(recording, world, searches, malformed, rng)
    add_mastodon(recording, world, HASHTAGS, malformed, rng)
    shortener_responses(recording, world.redirects)
    forum_events, forum_accounts = add_forums(
        recording,
        world.resources,
        shape.diffusion.start,
        shape.diffusion.end,
        len(world.events),
        np.random.default_rng([seed, 2]),
        ForumShape().scaled(scale),
    )
    folder.mkdir(parents=True, exist_ok=True)
    recording.write(folder / "recording.jsonl.xz")
    _campaigns(world).to_csv(folder / "campaigns.csv", index=False)
    accounts = pd.concat([_truth_accounts(world), forum_accounts], ignore_index=True)
    accounts.to_csv(folder / "accounts.csv.xz", index=False, compression=_XZ)
    events = pd.concat([_truth_events(world), forum_events], ignore_index=True)
    events.to_csv(folder / "events.csv.xz", index=False, compression=_XZ)
    channels = forum_accounts.loc[forum_accounts["platform"] == "telegram", "account_id"]
    description = {
        "about": "Synthetic data for the essaim demo: no real person's post or account.",
        "essaim": __version__,
        "seed": seed,
        "scale": scale,
        "bluesky": {
            "service": SERVICE,
            "appview": APPVIEW,
            "plc": PLC,
            "domains": TRACKED_DOMAINS,
            "queries": [TEXT_QUERY],
        },
        "mastodon": {"instances": [f"http://{host}" for host in INSTANCES], "tags": HASHTAGS},
        "forum": {"url": FORUM_INDEX, "engine": "phpbb"},
        "discourse": {"url": DISCOURSE, "queries": TRACKED_DOMAINS},
        "telegram": {"base": TELEGRAM, "channels": sorted(channels)},
        "counts": {
            "accounts": len(accounts),
            "follows": len(world.follows),
            "adoptions": int(events["resource_id"].notna().sum()),
            "events": events["kind"].value_counts().sort_index().to_dict(),
            "likes": len(world.likes),
            "responses": len(recording),
        },
        "usage": add_usage(folder, catalogue, seed, scale),
        "malformed": malformed,
    }
    (folder / "demo.json").write_text(
        json.dumps(description, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return description


def bluesky_institutions(path: Path) -> dict[str, str]:
    """Handle -> name of the allow-list's Bluesky accounts."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        return {
            row["handle"]: row["name"]
            for row in csv.DictReader(file)
            if row["platform"] == "bluesky" and row["handle"]
        }


def shortener_responses(recording: Recording, redirects: dict[str, str | None]) -> None:
    """What the link shorteners answer: a redirection, or 404 for a dead link."""
    for short, target in sorted(redirects.items()):
        if target is None:
            recording.add(short, "<html><body>Not found</body></html>", status=404)
        else:
            recording.add(short, "", status=301, headers={"Location": target})


def _campaigns(world: World) -> pd.DataFrame:
    """The campaign file: each action with the tracking parameters its links carry (a
    newsletter's: newsletter and email; an institution's post: its platform and social)."""
    campaigns = world.campaigns.copy()
    campaigns["date"] = (
        campaigns["date"].dt.tz_convert("Europe/Paris").dt.strftime("%Y-%m-%d %H:%M")
    )
    newsletter = campaigns["channel"].eq("newsletter")
    platforms = campaigns["channel"].map(world.accounts.set_index("account")["platform"])
    campaigns["utm_source"] = platforms.where(~newsletter, "newsletter")
    campaigns["utm_medium"] = np.where(newsletter, "email", "social")
    campaigns["xtor"] = ""
    campaigns["window_days"] = ""
    columns = ["utm_source", "utm_medium", "utm_campaign", "xtor", "window_days"]
    return campaigns[["date", "channel", "resource", *columns]]


def _truth_accounts(world: World) -> pd.DataFrame:
    columns = [
        "platform",
        "address",
        "handle",
        "kind",
        "community",
        "level",
        "discipline",
        "academie",
        "cohort",
        "instance",
    ]
    return world.accounts[columns].rename(columns={"address": "account_id"})


def _truth_events(world: World) -> pd.DataFrame:
    events = world.events
    address = world.accounts.set_index("account")["address"]
    parents = events["parent"].to_numpy()
    parent_account = np.where(
        parents >= 0, events["account"].to_numpy()[np.maximum(parents, 0)], None
    )
    return pd.DataFrame(
        {
            "event": events["event"],
            "resource_id": events["resource_id"],
            "platform": events["platform"],
            "account_id": address.reindex(events["account"]).to_numpy(),
            "kind": events["kind"],
            "at": events["at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "parent": parents,
            "parent_account_id": address.reindex(parent_account).to_numpy(),
            "target": events["target"],
            "origin": events["origin"],
            "campaign": events["campaign"],
            "link": events["link"],
            "link_form": events["form"],
        }
    )
