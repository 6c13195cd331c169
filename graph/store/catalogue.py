"""The catalogue inside the store, and matching every stored link again when it changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from graph.privacy.pseudonyms import Pseudonymiser
from graph.resources import Catalogue, Linker
from graph.store import queries as q
from graph.store.database import Store
from graph.store.load import match_stored_links, save_resolutions

__all__ = ["catalogue_digest", "install_catalogue"]

_SETTING = "catalogue_sha256"


def catalogue_digest(path: Path) -> str:
    """Return the SHA-256 of a catalogue file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def install_catalogue(
    store: Store,
    catalogue: Catalogue,
    digest: str,
    linker: Linker,
    pseudonymiser: Pseudonymiser | None,
) -> int:
    """Make ``catalogue`` the store's catalogue and match every stored link against it.

    Nothing happens when the store already holds a catalogue with the same digest. Links
    resolved or found malformed now are kept as a load keeps them (``pseudonymiser``: the
    store's). Returns the number of distinct URLs matched again (0 when nothing changed).
    """
    if store.setting(_SETTING) == digest:
        return 0
    matches, finals = match_stored_links(store, linker, pseudonymiser)
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
        save_resolutions(connection, linker, finals)
        store.set_setting(_SETTING, digest)
    linker.new_resolutions.clear()
    return matches.num_rows
