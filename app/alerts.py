"""Take-off alerts: which resources newly take off, said to a file, a webhook and by e-mail.

A take-off episode starts at an hour the velocity table flags as taking off when the hour
before it was not flagged (see :func:`graph.timelines.velocity`). Each episode is alerted
once: the watch keeps the episodes it has told about.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.request
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage

from app.config import Settings
from collectors.credentials import credential
from graph.store import Store
from graph.store import queries as q

__all__ = ["Alert", "deliver", "takeoffs"]


@dataclass(frozen=True)
class Alert:
    """A resource that started taking off."""

    resource_id: str
    title: str | None
    since: datetime  # the first hour flagged (UTC)
    adoptions: int  # adoptions in the velocity window ending with that hour
    velocity: float  # adoptions per hour over the window
    baseline: float  # mean adoptions per hour before the window

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
    rows = store.connection.execute(q.SELECT_TAKEOFFS).fetchall()
    return [
        Alert(resource, title, since, round(velocity * window_hours), velocity, baseline)
        for resource, title, since, velocity, baseline in rows
    ]


def deliver(settings: Settings, alerts: list[Alert]) -> list[str]:
    """Send ``alerts`` everywhere the configuration says; return what could not be done
    (one sentence each). The alerts file is always written."""
    if not alerts:
        return []
    settings.alerts_file.parent.mkdir(parents=True, exist_ok=True)
    with open(settings.alerts_file, "a", encoding="utf-8") as file:
        for alert in alerts:
            file.write(json.dumps({**asdict(alert), "message": alert.sentence()},
                                  default=str) + "\n")  # fmt: skip
    problems = []
    config = settings.config.watch.alerts
    if config.webhook:
        problems += _post(config.webhook, alerts)
    if config.smtp_host and config.smtp_to:
        problems += _mail(settings, alerts)
    return problems


def _post(url: str, alerts: list[Alert]) -> list[str]:
    body = json.dumps(
        {"text": "\n".join(a.sentence() for a in alerts), "alerts": [asdict(a) for a in alerts]},
        default=str,
    ).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()
    except (OSError, ValueError) as error:
        return [f"webhook {url}: not delivered ({error})"]
    return []


def _mail(settings: Settings, alerts: list[Alert]) -> list[str]:
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
        return [f"e-mail through {config.smtp_host}:{config.smtp_port}: not sent ({error})"]
    return []
