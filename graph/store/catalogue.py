"""The catalogue inside the store, and matching every stored link again when it changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from graph.resources import Catalogue, Linker
from graph.store import queries as q
from graph.store.database import Store
from graph.store.load import link_info_table, save_resolutions

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
    matches = link_info_table(linker.info(url) for url in urls)
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
        save_resolutions(connection, linker)
        store.set_setting(_SETTING, digest)
    linker.new_resolutions.clear()
    return len(urls)
