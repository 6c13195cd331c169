"""Take-off alerts: which resources newly take off, said to a file, a webhook and by e-mail.

A take-off is an episode of :func:`graph.timelines.episodes` (Kleinberg's burst automaton
over the resource's hourly adoptions). The watch alerts an episode once, and only one it had
not seen at its previous cycle that goes on after that cycle's data ended (its evidence is
new); its first cycle records what it finds as the baseline and alerts nothing.
"""

from __future__ import annotations

import http.client
import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from email.message import EmailMessage

import pandas as pd

from app.cli.translation import _, ngettext, number
from app.config import Settings
from collectors.credentials import credential
from graph.store import Store
from graph.store.results.resources import takeoff_episodes

__all__ = [
    "Alert", "channels", "record", "recorded", "send", "send_mail", "shown_url", "takeoffs",
]  # fmt: skip

_TIMES = ("since", "until", "peak")


@dataclass(frozen=True)
class Alert:
    """A take-off episode of a resource."""

    resource_id: str
    title: str | None
    since: datetime  # the episode's first hour (UTC)
    adoptions: int  # adoptions in the episode so far
    velocity: float  # adoptions per hour in the episode
    baseline: float  # adoptions per hour the resource's base rate expected then
    until: datetime | None = None  # the hour after its last hour so far
    peak: datetime | None = None  # its busiest hour
    cascade_adoptions: int = 0  # adoptions of the cascade that brought the most
    community: str | None = None  # the community that brought the most adopters
    action: str | None = None  # the campaign action it follows, if any

    @classmethod
    def from_record(cls, record: dict) -> Alert:
        """The alert a JSON record of it describes (as :func:`record` and the watch keep)."""
        values = {field.name: record[field.name] for field in fields(cls) if field.name in record}
        for name in _TIMES:
            if values.get(name):
                values[name] = datetime.fromisoformat(values[name])
        return cls(**values)

    @property
    def key(self) -> str:
        return f"{self.resource_id}@{self.since.isoformat()}"

    def sentence(self) -> str:
        """The alert in one sentence, in the language in use."""
        name = f"{self.title} ({self.resource_id})" if self.title else self.resource_id
        said = ngettext(
            "{name} is taking off since {since} UTC: {adoptions} adoption, {velocity} "
            "adoptions/hour against {baseline} adoptions/hour expected",
            "{name} is taking off since {since} UTC: {adoptions} adoptions, {velocity} "
            "adoptions/hour against {baseline} adoptions/hour expected",
            self.adoptions,
        ).format(name=name, since=f"{self.since:%Y-%m-%d %H:%M}", adoptions=self.adoptions,
                 velocity=number(self.velocity, ".2f"),
                 baseline=number(self.baseline, ".3f"))  # fmt: skip
        if self.peak is not None:
            said += _("; peak at {peak} UTC").format(peak=f"{self.peak:%Y-%m-%d %H:%M}")
        if self.cascade_adoptions:
            said += _("; {n} of them in one cascade").format(n=self.cascade_adoptions)
        if self.community:
            said += _("; mostly in the community {community}").format(community=self.community)
        if self.action:
            said += _("; after the campaign action {action}").format(action=self.action)
        return said + "."


def takeoffs(store: Store) -> list[Alert]:
    """Every take-off episode of the last analysis, oldest first."""
    found = takeoff_episodes(store.connection)
    return [
        Alert(row.resource_id, _known(row.title), _utc(row.start), int(row.adoptions),
              row.adoptions / _hours(row), row.expected / _hours(row), _utc(row.end),
              _utc(row.peak), int(row.cascade_adoptions), _known(row.community_label),
              _known(row.action))
        for row in found.itertuples(index=False)
    ]  # fmt: skip


def _utc(moment: pd.Timestamp) -> datetime:
    return moment.tz_convert("UTC").to_pydatetime()


def _hours(episode) -> float:
    return max((episode.end - episode.start).total_seconds() / 3600, 1.0)


def _known(value):
    return None if pd.isna(value) else value


def record(settings: Settings, alerts: list[Alert]) -> None:
    """Append ``alerts`` to the alerts file, once each."""
    if not alerts:
        return
    settings.alerts_file.parent.mkdir(parents=True, exist_ok=True)
    with open(settings.alerts_file, "a", encoding="utf-8") as file:
        for alert in alerts:
            file.write(json.dumps({**asdict(alert), "message": alert.sentence()},
                                  default=str) + "\n")  # fmt: skip


def recorded(settings: Settings) -> list[Alert]:
    """The alerts in the alerts file (a line cut short by a crash is skipped)."""
    if not settings.alerts_file.exists():
        return []
    alerts = []
    for line in settings.alerts_file.read_text("utf-8", errors="replace").splitlines():
        try:
            alerts.append(Alert.from_record(json.loads(line)))
        except (ValueError, TypeError, KeyError):
            continue
    return alerts


def channels(settings: Settings) -> list[str]:
    """The channels the configuration sends alerts to: ``webhook``, ``e-mail``."""
    config = settings.config.watch.alerts
    configured = {"webhook": config.webhook, "e-mail": config.smtp_host and config.smtp_to}
    return [name for name, setting in configured.items() if setting]


def send(settings: Settings, channel: str, alerts: list[Alert]) -> str | None:
    """Send ``alerts`` to one channel; return why it failed (one sentence), or ``None``."""
    if channel == "webhook":
        return _post(settings.config.watch.alerts.webhook, alerts)
    return _mail(settings, alerts)


def shown_url(url: str) -> str:
    """A URL without what may be secret (its path, query and user): scheme and host only.

    >>> shown_url("https://hooks.example/services/T000/SECRET?token=x")
    'https://hooks.example/…'
    >>> shown_url("http://user:pass@127.0.0.1:8080/hook")
    'http://127.0.0.1:8080/…'
    """
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"


def _post(url: str, alerts: list[Alert]) -> str | None:
    body = json.dumps(
        {"text": "\n".join(a.sentence() for a in alerts), "alerts": [asdict(a) for a in alerts]},
        default=str,
    ).encode()
    try:
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()
    except (OSError, ValueError, http.client.HTTPException) as error:
        return _("webhook {url} failed: {reason}").format(url=shown_url(url), reason=_reason(error))
    return None


def _reason(error: Exception) -> str:
    """Why a request failed, in words that never repeat its URL."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    if isinstance(error, ValueError):
        return _("not a valid URL")
    return str(error) or type(error).__name__


def _mail(settings: Settings, alerts: list[Alert]) -> str | None:
    message = EmailMessage()
    message["Subject"] = ngettext(
        "essaim: {n} resource taking off", "essaim: {n} resources taking off", len(alerts)
    ).format(n=len(alerts))
    message["To"] = ", ".join(settings.config.watch.alerts.smtp_to)
    message.set_content("\n".join(alert.sentence() for alert in alerts) + "\n")
    return send_mail(settings, message)


def send_mail(settings: Settings, message: EmailMessage) -> str | None:
    """Send ``message`` through the SMTP server of ``[watch.alerts]`` (its sender set from
    there); return why it failed (one sentence), or ``None``."""
    config = settings.config.watch.alerts
    message["From"] = config.smtp_from or config.smtp_user or "essaim@localhost"
    password = credential("ESSAIM_SMTP_PASSWORD")
    try:
        if config.smtp_security == "ssl":
            server = smtplib.SMTP_SSL(config.smtp_host, config.smtp_port, timeout=30,
                                      context=ssl.create_default_context())  # fmt: skip
        else:
            server = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=30)
        with server:
            if config.smtp_security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config.smtp_user:
                server.login(config.smtp_user, password or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        return _("e-mail through {host}:{port} failed: {error}").format(
            host=config.smtp_host, port=config.smtp_port, error=error
        )
    return None
