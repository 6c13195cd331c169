"""Loading raw runs into the store the way the configuration says (shared by ``load``,
``catalogue import``, ``reparse`` and ``demo``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.cli.console import err, warn
from app.cli.privacy import apply_retention, erased_accounts
from app.cli.translation import ngettext
from app.config import Settings
from graph.privacy.pseudonyms import Pseudonymiser, load_or_create_secret, read_institutions
from graph.privacy.raw import finish_erasure
from graph.resources import Linker, Resolver, http_resolver, read_catalogue
from graph.store import Store
from graph.store.catalogue import catalogue_digest, install_catalogue
from graph.store.load import LoadReport, load_runs

__all__ = [
    "configured_resolver",
    "linker_for",
    "load_into_store",
    "pseudonymiser_for",
    "sync_catalogue",
]


def configured_resolver(settings: Settings) -> Resolver | None:
    """The shortened-link resolver the configuration asks for (None: do not resolve)."""
    links = settings.config.links
    if not links.resolve_shorteners:
        return None
    return http_resolver(links.resolve_timeout, links.user_agent)


def linker_for(settings: Settings, resolver: Resolver | None) -> Linker:
    """A linker over the configured tracked domains and catalogue."""
    return Linker(
        settings.config.tracking.domains, read_catalogue(settings.catalogue), {}, resolver
    )


def sync_catalogue(
    store: Store, settings: Settings, linker: Linker, pseudonymiser: Pseudonymiser | None
) -> None:
    """Install the catalogue in use if it changed, matching every stored link again."""
    digest = catalogue_digest(settings.catalogue)
    rematched = install_catalogue(store, linker.catalogue, digest, linker, pseudonymiser)
    if rematched:
        said = ngettext(
            "Catalogue {catalogue} installed; {n} URL matched again.",
            "Catalogue {catalogue} installed; {n} URLs matched again.",
            rematched,
        )
        err.print(said.format(catalogue=settings.catalogue, n=rematched))


def pseudonymiser_for(
    settings: Settings, store: Store, no_pseudonymise: bool
) -> Pseudonymiser | None:
    """Pseudonymise unless asked not to; a store created without it stays without it."""
    asked_off = no_pseudonymise or not settings.config.privacy.pseudonymise
    if asked_off or store.setting("pseudonymisation") == "off":
        return None
    return Pseudonymiser(
        load_or_create_secret(settings.secret_file), read_institutions(settings.institutions)
    )


def load_into_store(
    settings: Settings,
    manifests: list[Path],
    *,
    no_pseudonymise: bool,
    resolver: Resolver | None,
    keep_text: str | None = None,
    progress: Callable[[object], None] = lambda _: None,
) -> LoadReport:
    """Load the runs of ``manifests`` into the configured store (after finishing an erasure
    stopped half-way), leaving out accounts erased on request, keeping texts as
    ``keep_text`` (default: the configuration) says, then applying the configured
    retention."""
    privacy = settings.config.privacy
    finish_erasure(settings.raw_dir, warn)
    with Store(settings.database) as store:
        pseudonymiser = pseudonymiser_for(settings, store, no_pseudonymise)
        linker = linker_for(settings, resolver)
        sync_catalogue(store, settings, linker, pseudonymiser)
        report = load_runs(
            store,
            manifests,
            linker=linker,
            pseudonymiser=pseudonymiser,
            keep_text=keep_text or privacy.keep_text,
            erased=erased_accounts(settings),
            progress=progress,
        )
        if privacy.retention:
            apply_retention(settings, store, privacy.retention)
        return report
