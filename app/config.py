"""``essaim.toml``: one configuration file, validated key by key.

Every key has a default that tracks e-INSPÉ and Réseau Canopé, so essaim runs without any
file. Unknown keys and values of the wrong type are rejected with the key's dotted name.
Relative paths are relative to the directory of the configuration file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from collectors.errors import UserError
from collectors.registry import sources
from collectors.shipped import DATASETS
from collectors.sources import PositiveFloat, PositiveInt

__all__ = [
    "CONFIG_NAME",
    "DATASETS",
    "TEMPLATE",
    "Config",
    "ConfigError",
    "Settings",
    "load_settings",
]

#: The datasets folder shipped beside the packages (catalogue, allow-list, sample data).
CONFIG_NAME = "essaim.toml"


class ConfigError(UserError, ValueError):
    """A configuration file that cannot be used: names the file and the key."""


class _Section(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pass


class Tracking(_Section):
    domains: list[str] = msgspec.field(default_factory=lambda: ["e-inspe.fr", "reseau-canope.fr"])
    catalogue: str = ""
    institutions: str = ""


class Privacy(_Section):
    pseudonymise: bool = True
    secret_file: str = "~/.config/essaim/pseudonymisation.key"
    keep_text: Literal["none", "excerpt", "full"] = "excerpt"
    retention: Annotated[str, msgspec.Meta(pattern=r"^([1-9][0-9]*[dwmy])?$")] = ""


class Links(_Section):
    resolve_shorteners: bool = True
    resolve_timeout: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    user_agent: str = "essaim/0.1 (+https://github.com/essaim/essaim)"


class Collect(_Section):
    contact: str = "https://github.com/essaim/essaim"
    timeout: PositiveFloat = 30.0
    max_retries: Annotated[int, msgspec.Meta(ge=0)] = 4
    backoff: PositiveFloat = 1.0
    max_wait: PositiveFloat = 900.0


def _sources_section() -> type[msgspec.Struct]:
    """The ``[sources]`` table: one section per section a source declares in its folder."""
    sections = [(s.section, s.config) for s in sources().values() if s.config is not None]
    fields = [(name, kind, msgspec.field(default_factory=kind)) for name, kind in sections]
    return msgspec.defstruct("Sources", fields, bases=(_Section,), kw_only=True)


Sources = _sources_section()


class Analysis(_Section):
    rule: Literal["kernel", "most_recent", "first"] = "kernel"
    window_hours: PositiveInt = 24
    takeoff_multiple: Annotated[float, msgspec.Meta(gt=1)] = 3.0
    takeoff_cost: PositiveFloat = 1.0
    takeoff_min_adoptions: PositiveInt = 5
    campaigns: str = ""
    before_days: PositiveInt = 14
    after_days: PositiveInt = 7
    campaign_min_adoptions: PositiveInt = 5
    seed: int = 0
    resolution: PositiveFloat = 1.0
    restarts: PositiveInt = 1
    min_community_size: PositiveInt = 10
    bridge_share: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.02
    bass_min_points: PositiveInt = 6
    categories_rule: Literal["shares", "sigma"] = "shares"


class Alerts(_Section):
    file: str = ""
    webhook: str = ""
    smtp_host: str = ""
    smtp_port: PositiveInt = 587
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str = ""
    smtp_from: str = ""
    smtp_to: list[str] = []


class Watch(_Section):
    every: Annotated[str, msgspec.Meta(pattern=r"^[1-9][0-9]*[smhd]$")] = "1h"
    collections: list[list[str]] = []
    report: Literal["", "week", "month", "term"] = ""
    report_to: Annotated[str, msgspec.Meta(pattern=r"^((folder|mailto):.+)?$")] = ""
    report_lang: Literal["fr", "en"] = "fr"
    alerts: Alerts = msgspec.field(default_factory=Alerts)


class Config(_Section):
    data_dir: str = "essaim-data"
    tracking: Tracking = msgspec.field(default_factory=Tracking)
    privacy: Privacy = msgspec.field(default_factory=Privacy)
    links: Links = msgspec.field(default_factory=Links)
    collect: Collect = msgspec.field(default_factory=Collect)
    sources: Sources = msgspec.field(default_factory=Sources)
    analysis: Analysis = msgspec.field(default_factory=Analysis)
    watch: Watch = msgspec.field(default_factory=Watch)


_TEMPLATE = """\
# essaim configuration. Every key is optional; the values below are the defaults.
# Relative paths are relative to this file.

# Where raw runs and the database (essaim.duckdb) live. --data and ESSAIM_DATA override it.
data_dir = "essaim-data"

[tracking]
# Domains whose links are tracked (subdomains included).
domains = ["e-inspe.fr", "reseau-canope.fr"]
# Catalogue of resources (CSV). Empty: <data_dir>/catalogue.csv after `essaim catalogue
# import`, else the illustrative catalogue shipped with essaim (datasets/catalogue/).
catalogue = ""
# Institutional accounts that keep their names (CSV). Empty: the list shipped with essaim
# (datasets/institutions.csv).
institutions = ""

[privacy]
# Replace individuals' ids and handles by keyed pseudonyms when loading.
pseudonymise = true
# The secret key of the pseudonyms, kept outside the database. ESSAIM_SECRET_FILE overrides it.
secret_file = "~/.config/essaim/pseudonymisation.key"
# What the database keeps of post texts: "full", "excerpt" (200 characters, @mentions
# masked) or "none" (no analysis needs them). `essaim load --keep-text` overrides it.
keep_text = "excerpt"
# How long data is kept: "" keeps it until `essaim prune`; "18m" (or 90d, 6w, 2y) makes every
# `essaim load` remove posts, interactions and follows older than that, and raw runs
# collected before then.
retention = ""

[links]
# Resolve shortened links (bit.ly, t.co, lnkd.in…) over HTTP when loading; results are cached.
resolve_shorteners = true
resolve_timeout = 5.0
user_agent = "essaim/0.1 (+https://github.com/essaim/essaim)"

[collect]
# Where platform operators can reach you; it goes in the user agent of every request.
contact = "https://github.com/essaim/essaim"
# Seconds before a request times out; retries of server and network errors; first back-off
# in seconds (doubled at each retry); longest rate-limit wait accepted, in seconds (beyond
# it the page is noted as failed and `essaim collect ... --resume` asks for it later).
timeout = 30.0
max_retries = 4
backoff = 1.0
max_wait = 900.0

{sources}
[analysis]
# Parent of an adopter whose platform does not say where it saw the resource, among the
# post's author and the accounts it follows that reshared the post before it: the most
# probable under a delay model fitted on the data ("kernel"), or the followee that showed
# the post "most_recent" or "first".
rule = "kernel"
# Velocity is counted over a sliding window of this many hours. Take-off: Kleinberg's burst
# automaton on hourly adoptions; a burst expects takeoff_multiple times the resource's own
# rate (shaped by the hour of the week), entering one costs takeoff_cost x ln(hours), and an
# episode holds at least takeoff_min_adoptions adoptions.
window_hours = 24
takeoff_multiple = 3.0
takeoff_cost = 1.0
takeoff_min_adoptions = 5
# Communication actions (CSV: date, channel, resource, and the utm_source, utm_medium,
# utm_campaign, xtor and window_days its links carry and are attributed in), the days before
# (baseline) and after each action compared, and the fewest adoptions before and after for
# a rate ratio.
campaigns = ""
before_days = 14
after_days = 7
campaign_min_adoptions = 5
# Communities of the sociability graph (Leiden, modularity): the seed of the first run, the
# resolution (above 1: smaller communities) and how many seeded runs are tried (the best is kept).
# Groups under min_community_size accounts are not communities: they count as "small groups".
seed = 0
resolution = 1.0
restarts = 1
min_community_size = 10
# Bridges: at most this share of the accounts, those that broker the most shortest paths
# between communities (then by participation coefficient).
bridge_share = 0.02
# The adoption models are fitted to a resource's daily adopters only with this many days of data.
bass_min_points = 6
# Rogers' adopter categories: "shares" (2.5 / 13.5 / 34 / 34 / 16 % of adopters in order of
# adoption, adopters at the same time together) or "sigma" (adoption times cut at the mean
# minus 2, 1 and 0 standard deviations and plus 1).
categories_rule = "shares"

[watch]
# `essaim watch`: every cycle runs these collections (the arguments of `essaim collect`; an
# interrupted one is resumed), then loads and analyses, then sends an alert for each
# resource newly taking off. Cycles start this often (30m, 1h, 1d…).
every = "1h"
collections = []  # e.g. [["bluesky"], ["mastodon"], ["telegram"]]
# Send `essaim report` once each period has ended ("week", "month" or "term"; empty: never),
# in report_lang, as HTML and PDF to report_to: "folder:PATH" (copied there) or
# "mailto:ADDRESS" (through the SMTP server of [watch.alerts]). Reports sent are listed in
# <data_dir>/watch/reports.json; one that could not be sent is tried again at the next cycle.
report = ""
report_to = ""
report_lang = "fr"

[watch.alerts]
# Alerts always go to this JSON-lines file (empty: <data_dir>/alerts.jsonl); also to a
# webhook (JSON POST) and by e-mail when set; a failed delivery is tried again at the next
# cycle, and messages show the webhook's scheme and host only (its path is often a token).
# The SMTP password is read from ESSAIM_SMTP_PASSWORD (environment or keyring), never from
# this file.
file = ""
webhook = ""
smtp_host = ""
smtp_port = 587
smtp_security = "starttls"  # or "ssl", "none"
smtp_user = ""
smtp_from = ""
smtp_to = []
"""

#: The commented configuration file with every default, ``[sources.*]`` from the sources.
TEMPLATE = _TEMPLATE.replace(
    "{sources}\n", "\n".join(s.template for s in sources().values() if s.template)
)

_AT_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$", re.S)
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<field>[^`]+)`")


def _explain(path: Path, error: msgspec.MsgspecError) -> ConfigError:
    if not isinstance(error, msgspec.ValidationError):
        return ConfigError(f"{path}: not valid TOML ({error})")
    parts = _AT_PATH.match(str(error))
    message, key = parts["message"], parts["path"] or ""
    unknown = _UNKNOWN.match(message)
    if unknown:
        name = ".".join(filter(None, (key, unknown["field"])))
        return ConfigError(f"{path}: unknown key '{name}'")
    if key:
        return ConfigError(f"{path}: key '{key}': {message[0].lower()}{message[1:]}")
    return ConfigError(f"{path}: {message}")


@dataclass(frozen=True)
class Settings:
    """The configuration with every path resolved."""

    config: Config
    config_path: Path | None  # the file read, if any
    data_dir: Path
    institutions: Path
    secret_file: Path
    configured_catalogue: Path | None  # tracking.catalogue, if set
    campaigns: Path | None  # analysis.campaigns, if set
    alerts_file: Path  # watch.alerts.file, else <data_dir>/alerts.jsonl

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def database(self) -> Path:
        return self.data_dir / "essaim.duckdb"

    @property
    def catalogue(self) -> Path:
        """The catalogue in use (see ``tracking.catalogue`` in the template)."""
        if self.configured_catalogue is not None:
            return self.configured_catalogue
        imported = self.data_dir / "catalogue.csv"
        return imported if imported.exists() else DATASETS / "catalogue" / "e-inspe.csv"


def load_settings(config_path: Path | None = None, data_dir: Path | None = None) -> Settings:
    """Read the configuration and resolve paths.

    ``config_path`` defaults to ``$ESSAIM_CONFIG``, else ``./essaim.toml`` if it exists, else
    built-in defaults. ``data_dir`` defaults to ``$ESSAIM_DATA``, else the file's ``data_dir``.
    """
    if config_path is None and os.environ.get("ESSAIM_CONFIG"):
        config_path = Path(os.environ["ESSAIM_CONFIG"])
    if config_path is None and Path(CONFIG_NAME).exists():
        config_path = Path(CONFIG_NAME)
    config = Config()
    base = Path.cwd()
    if config_path is not None:
        config_path = Path(config_path)
        try:
            text = config_path.read_bytes()
        except OSError as error:
            raise ConfigError(f"{config_path}: cannot read ({error.strerror})") from None
        try:
            config = msgspec.toml.decode(text, type=Config)
        except msgspec.MsgspecError as error:
            raise _explain(config_path, error) from None
        base = config_path.resolve().parent

    def resolve(value: str) -> Path:
        return (base / Path(value).expanduser()).resolve()

    if data_dir is None and os.environ.get("ESSAIM_DATA"):
        data_dir = Path(os.environ["ESSAIM_DATA"])
    secret = os.environ.get("ESSAIM_SECRET_FILE") or config.privacy.secret_file
    tracking = config.tracking
    data_dir = Path(data_dir).resolve() if data_dir else resolve(config.data_dir)
    alerts = config.watch.alerts.file
    return Settings(
        config=config,
        config_path=config_path,
        data_dir=data_dir,
        institutions=(
            resolve(tracking.institutions)
            if tracking.institutions
            else DATASETS / "institutions.csv"
        ),
        secret_file=resolve(secret),
        configured_catalogue=resolve(tracking.catalogue) if tracking.catalogue else None,
        campaigns=resolve(config.analysis.campaigns) if config.analysis.campaigns else None,
        alerts_file=resolve(alerts) if alerts else data_dir / "alerts.jsonl",
    )
