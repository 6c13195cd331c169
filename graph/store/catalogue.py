"""The catalogue inside the store, and matching every stored link again when it changes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa

from graph.resources import Catalogue, Linker
from graph.store import queries as q
from graph.store.database import Store

__all__ = ["catalogue_digest", "install_catalogue"]

_SETTING = "catalogue_sha256"


def catalogue_digest(path: Path) -> str:
    """Return the SHA-256 of a catalogue file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def install_catalogue(store: Store, catalogue: Catalogue, digest: str, linker: Linker) -> int:
    """Make ``catalogue`` the store's catalogue and match every stored link against it.

    Nothing happens when the store already holds a catalogue with the same digest. Returns
    the number of distinct URLs matched again (0 when nothing changed).
    """
    if store.setting(_SETTING) == digest:
        return 0
    urls = [row[0] for row in store.connection.execute(q.SELECT_LINK_URLS).fetchall()]
    infos = [linker.info(url) for url in urls]
    matches = pa.table(
        {
            "url": [i.url for i in infos],
            "resolved_url": [i.resolved_url for i in infos],
            "url_key": [i.key for i in infos],
            "host": [i.host for i in infos],
            "campaign": [json.dumps(i.campaign) if i.campaign else None for i in infos],
            "tracked": [i.tracked for i in infos],
            "resource_id": [i.resource_id for i in infos],
            "match_reason": [i.match_reason for i in infos],
        },
        schema=pa.schema(
            [(name, pa.string()) for name in ("url", "resolved_url", "url_key", "host", "campaign")]
            + [("tracked", pa.bool_()), ("resource_id", pa.string()), ("match_reason", pa.string())]
        ),
    )
    with store.transaction() as connection:
        connection.execute(q.DELETE_CATALOGUE)
        for r in catalogue.resources:
            connection.execute(
                q.INSERT_CATALOGUE,
                [r.resource_id, r.title, r.parcours, r.level, r.discipline,
                 list(r.url_patterns), r.published, r.illustrative],
            )  # fmt: skip
        connection.register("staged_matches", matches)
        connection.execute(q.UPDATE_LINK_MATCHES)
        connection.unregister("staged_matches")
        for short_url, final_url in linker.new_resolutions.items():
            connection.execute(q.UPSERT_RESOLUTION, [short_url, final_url])
        store.set_setting(_SETTING, digest)
    linker.new_resolutions.clear()
    return len(urls)
