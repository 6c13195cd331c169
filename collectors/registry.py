"""The sources, found in their folders: every ``collectors/<folder>/source.py`` lists its
descriptors in ``SOURCES`` (see :mod:`collectors.sources`)."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from functools import cache

import collectors
from collectors.errors import NotFound
from collectors.parsing import Parser, guarded
from collectors.sources import Source
from collectors.speech import _

__all__ = ["parser_for", "sources"]


@cache
def sources() -> dict[str, Source]:
    """Every source by name, in the order of their folders' names."""
    found: dict[str, Source] = {}
    folders = sorted(m.name for m in pkgutil.iter_modules(collectors.__path__) if m.ispkg)
    for folder in folders:
        if importlib.util.find_spec(f"collectors.{folder}.source") is None:
            continue
        for source in importlib.import_module(f"collectors.{folder}.source").SOURCES:
            found[source.name] = source
    return found


def parser_for(source: str) -> Parser:
    """Return the payload parser of a source, raising only ``ParseError`` whatever the
    payload (see :func:`collectors.parsing.guarded`); raise :class:`NotFound` if it has
    none."""
    try:
        return guarded(sources()[source].parser)
    except KeyError:
        raise NotFound(_("no parser for source {source}").format(source=repr(source))) from None
