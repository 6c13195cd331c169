"""Take-off alerts: which resources newly take off, said to a file, a webhook and by e-mail.

A take-off episode starts at an hour the velocity table flags as taking off when the hour
before it was not flagged (see :func:`graph.timelines.velocity`). Each episode is alerted
once: the watch keeps the episodes it has told about.
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

from app.config import Settings
from collectors.credentials import credential
from graph.store import Store
from graph.store.results.resources import takeoff_episodes

__all__ = ["Alert", "channels", "record", "recorded", "send", "shown_url", "takeoffs"]


@dataclass(frozen=True)
class Alert:
    """A resource that started taking off."""

    resource_id: str
    title: str | None
    since: datetime  # the first hour flagged (UTC)
    adoptions: int  # adoptions in the velocity window ending with that hour
    velocity: float  # adoptions per hour over the window
    baseline: float  # mean adoptions per hour before the window

    @classmethod
    def from_record(cls, record: dict) -> Alert:
        """The alert a JSON record of it describes (as :func:`record` and the watch keep)."""
        values = {field.name: record[field.name] for field in fields(cls)}
        return cls(**{**values, "since": datetime.fromisoformat(values["since"])})

    @property
    def key(self) -> str:
        return f"{self.resource_id}@{self.since.isoformat()}"

    def sentence(self) -> str:
        name = f"{self.title} ({self.resource_id})" if self.title else self.resource_id
        return (
            f"{name} is taking off since {self.since:%Y-%m-%d %H:%M} UTC: {self.adoptions} "
            f"adoptions in the window, {self.velocity:.2f}/h against {self.baseline:.3f}/h before."
        )


def takeoffs(store: Store, window_hours: int) -> list[Alert]:
    """Every take-off episode of the last analysis, oldest first."""
    rows = takeoff_episodes(store.connection)
    return [
        Alert(resource, title, since, round(velocity * window_hours), velocity, baseline)
        for resource, title, since, velocity, baseline in rows
    ]


def record(settings: Settings, alerts: list[Alert]) -> None:
    """Append ``alerts`` to the alerts file, once each."""
    if not alerts:
        return
    settings.alerts_file.parent.mkdir(parents=True, exist_ok=True)
    with open(settings.alerts_file, "a", encoding="utf-8") as file:
        for alert in alerts:
            file.write(json.dumps({**asdict(alert), "message": alert.sentence()},
                                  default=str) + "\n")  # fmt: skip


def recorded(settings: Settings) -> set[str]:
    """The keys of the alerts in the alerts file (a line cut short by a crash is skipped)."""
    if not settings.alerts_file.exists():
        return set()
    keys = set()
    for line in settings.alerts_file.read_text("utf-8", errors="replace").splitlines():
        try:
            keys.add(Alert.from_record(json.loads(line)).key)
        except (ValueError, TypeError, KeyError):
            continue
    return keys


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
        return f"webhook {shown_url(url)} failed: {_reason(error)}"
    return None


def _reason(error: Exception) -> str:
    """Why a request failed, in words that never repeat its URL."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    if isinstance(error, ValueError):
        return "not a valid URL"
    return str(error) or type(error).__name__


def _mail(settings: Settings, alerts: list[Alert]) -> str | None:
    config = settings.config.watch.alerts
    message = EmailMessage()
    message["Subject"] = f"essaim: {len(alerts)} resource(s) taking off"
    message["From"] = config.smtp_from or config.smtp_user or "essaim@localhost"
    message["To"] = ", ".join(config.smtp_to)
    message.set_content("\n".join(alert.sentence() for alert in alerts) + "\n")
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
        return f"e-mail through {config.smtp_host}:{config.smtp_port} failed: {error}"
    return None
