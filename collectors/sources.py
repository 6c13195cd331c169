"""What a source is: one descriptor, declared in the source's own folder.

Every folder ``collectors/<source>/`` has a module ``source.py`` whose ``SOURCES`` lists the
:class:`Source` descriptors it provides: the name written in run manifests, the payload
parser, and, for a source that collects, its spider, its command-line options, how those
options and the configuration become the spider's options, and its configuration section.
The registry (:mod:`collectors.registry`) finds the folders; the command line builds one
``essaim collect <source>`` per descriptor, and the configuration one ``[sources.<name>]``
section per section declared. Adding a source touches only its folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import msgspec

from collectors.checkpoint import last_run
from collectors.errors import UserError
from collectors.parsing import Parser
from collectors.speech import _

__all__ = [
    "SINCE_LAST_OVERLAP",
    "Option",
    "OptionError",
    "PositiveFloat",
    "PositiveInt",
    "Request",
    "Section",
    "Source",
    "StreamOutcome",
]

#: ``--since last`` starts this long before the previous run started: posts are indexed late.
SINCE_LAST_OVERLAP = timedelta(hours=1)

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]


class OptionError(UserError, ValueError):
    """A command-line option with a value that cannot be used; ``option`` names it."""

    def __init__(self, message: str, option: str):
        super().__init__(message)
        self.option = option


class Section(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of a source's configuration section (``[sources.<name>]``): unknown keys are
    refused."""


@dataclass(frozen=True)
class Option:
    """A command-line option of ``essaim collect <source>``.

    ``kind`` is ``str``, ``int``, ``float`` or ``Path`` (an existing file). The value reaches
    :attr:`Request.given` under ``dest`` (by default the name without dashes, ``-`` as ``_``).
    """

    name: str
    help: str
    dest: str = ""
    multiple: bool = False
    flag: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    kind: type = str

    @property
    def key(self) -> str:
        return self.dest or self.name.lstrip("-").replace("-", "_")


@dataclass
class Request:
    """What a source is asked for: the command-line values, its configuration section, the
    tracked domains and catalogue, and where runs are kept."""

    source: str
    given: dict[str, Any]
    section: Any
    domains: list[str]
    catalogue_urls: Callable[[], list[str]]
    raw_dir: Path
    say: Callable[[str], None] = print

    def since(self, query: str, option: str = "--since") -> str | None:
        """The ``since`` bound given with ``option``: a date or time, or ``last`` (the start
        of the previous run of the same query, less :data:`SINCE_LAST_OVERLAP`)."""
        value = self.given.get(option.lstrip("-"))
        if value != "last":
            return self.moment(option)
        previous = last_run(self.raw_dir, self.source, query)
        if previous is None:
            self.say(_("No earlier run of this query: collecting everything."))
            return None
        return (previous.started_at - SINCE_LAST_OVERLAP).isoformat()

    def moment(self, option: str) -> str | None:
        """The date or ISO time given with ``option``, in UTC (naive times are UTC)."""
        value = self.given.get(option.lstrip("-"))
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise OptionError(
                _("{value} is not a date (YYYY-MM-DD) or ISO time").format(value=repr(value)),
                option,
            ) from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class StreamOutcome:
    """How a streaming collection (not run by the engine) ended."""

    run_id: str
    events: int
    kept: int
    reconnections: int
    error: str | None = None  # why nothing could be read, if so


@dataclass(frozen=True)
class Source:
    """A source of records: a platform collected by a spider or a stream, or a file import.

    Attributes
    ----------
    name
        The word in run manifests, the folder under ``raw/`` and the ``collect`` command.
    parser
        Turns one stored payload into records (what ``load`` and ``reparse`` use).
    help
        The ``collect`` command's help: a first line, then details.
    options
        The spider's options dataclass, with ``query()`` and ``parameters()``; a resumed run
        rebuilds it from the parameters in its manifest.
    spider
        The Scrapy spider, run by the collection engine; ``None`` for other sources.
    cli
        The command's options; ``--resume`` (and ``--verbose`` for a spider) are added.
    choose
        Builds ``options`` for a new run from a :class:`Request`.
    hosts
        The hosts a run reads, with their requests per 5 minutes, from its options and the
        configuration section.
    credentials
        Reads the credentials the spider needs (keyword arguments), raising
        :class:`UserError` if one is missing; they are never stored.
    stream
        Runs a streaming collection instead of a spider, returning how it ended.
    section, config, template
        The configuration section read (``[sources.<section>]``); the source that defines it
        gives its class and the commented TOML of its keys with their defaults.
    needs
        The credentials read, by variable name, and what each is for (marked ``N_()``:
        ``essaim credentials`` says it in the user's language).
    resume_help
        The help of ``--resume``.
    """

    name: str
    parser: Parser
    help: str = ""
    options: type | None = None
    spider: type | None = None
    cli: tuple[Option, ...] = ()
    choose: Callable[[Request], Any] | None = None
    hosts: Callable[[Any, Any], dict[str, int]] | None = None
    credentials: Callable[[], dict[str, str]] | None = None
    stream: Callable[[Request], StreamOutcome] | None = None
    section: str | None = None
    config: type[Section] | None = None
    template: str = ""
    needs: dict[str, str] = field(default_factory=dict)
    resume_help: str = "Finish the last interrupted or incomplete run."

    @property
    def collects(self) -> bool:
        """Whether ``essaim collect`` runs it (file imports do not)."""
        return self.spider is not None or self.stream is not None
