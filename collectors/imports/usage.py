"""Usage imports: what happened after a share (learning-platform logs, web analytics,
newsletter reports), each file written as a raw run of :class:`~collectors.records.Usage`
records.

A usage file can be large (millions of log lines) and names learners, so it is not kept row
by row as other imports are. Each format reads its file (DuckDB for the large ones) and
writes payloads that keep what the file says minus the learners: by default one day's counts
per course, event and origin, from which the records are parsed (so ``essaim reparse`` maps
events again without the file); with ``keep_events``, the events themselves, each learner
replaced by its pseudonym. Analytics and newsletter reports hold no learner and are kept as
received.

Each format is a function ``import_<format>(raw_dir, path, options) -> ImportOutcome``, named
in :data:`USAGE_FORMATS` as ``"module:function"`` and imported when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from collectors.imports.files import ImportFileError
from collectors.imports.run import ImportOutcome
from collectors.speech import _

__all__ = ["USAGE_FORMATS", "UsageOptions", "import_usage"]

#: Usage formats of ``essaim import`` and the function reading each.
USAGE_FORMATS: dict[str, str] = {
    "moodle-log": "collectors.moodle_logs.report:import_report",
    "moodle-logstore": "collectors.moodle_logs.logstore:import_logstore",
    "xapi": "collectors.moodle_logs.xapi:import_xapi",
    "matomo": "collectors.matomo.exports:import_matomo",
    "piano": "collectors.piano.exports:import_piano",
    "brevo": "collectors.newsletters.brevo:import_brevo",
    "mailchimp": "collectors.newsletters.mailchimp:import_mailchimp",
}


@dataclass(frozen=True)
class UsageOptions:
    """How to read a usage file.

    ``pseudonymise`` turns a learner's identifier into the project's pseudonym (the command
    line builds it from the project's secret); ``keep_events`` keeps each event rather than
    daily counts; ``timezone`` is the zone of times written without one (Moodle's log report
    prints local times) and of the days counted; ``site`` names the host when the file does not.
    """

    pseudonymise: Callable[[str], str]
    keep_events: bool = False
    timezone: str = "Europe/Paris"
    site: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def import_usage(raw_dir: Path, kind: str, path: Path, options: UsageOptions) -> ImportOutcome:
    """Import the usage file ``path`` of format ``kind`` (a key of :data:`USAGE_FORMATS`)."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("{path}: no such file").format(path=path))
    module, function = USAGE_FORMATS[kind].split(":")
    return getattr(importlib.import_module(module), function)(raw_dir, path, options)
