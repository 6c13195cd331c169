"""The demo's recorded responses: what each host answered to each request, ready to replay.

A recording is one xz-compressed JSON-lines file. A line is either a response
(``url``, ``status``, ``headers`` and ``json`` or ``text``) or a Bluesky profile
(``profile``), from which ``app.bsky.actor.getProfiles`` answers are composed whatever
accounts a batch asks for (the collector's batches depend on the order pages arrive in).
Writing the same recording twice gives the same bytes.
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.demo.replay import ReplayServer, Reply, route_key

__all__ = ["PROFILES_PATH", "Recording"]

#: The endpoint answered from the recorded profiles.
PROFILES_PATH = "public.api.bsky.app/xrpc/app.bsky.actor.getProfiles"


class Recording:
    """Recorded responses by URL, and Bluesky profiles by DID."""

    def __init__(self) -> None:
        self.responses: dict[str, dict[str, Any]] = {}
        self.profiles: dict[str, dict[str, Any]] = {}

    def add(
        self,
        url: str,
        body: Any,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Record the answer to a GET (or POST) of ``url``: a JSON value, or text."""
        response: dict[str, Any] = {"url": url, "status": status}
        if headers:
            response["headers"] = headers
        response["text" if isinstance(body, str) else "json"] = body
        self.responses[self.key(url)] = response

    @staticmethod
    def key(url: str) -> str:
        """The route key of a URL: host, path and sorted query."""
        parts = urlsplit(url)
        return route_key(parts.netloc + parts.path, parts.query)

    def __len__(self) -> int:
        return len(self.responses)

    def write(self, path: Path) -> None:
        """Write the recording (deterministic bytes for the same content)."""
        with lzma.open(path, "wt", encoding="utf-8", preset=6) as file:
            for response in self.responses.values():
                file.write(_line(response))
            for did, profile in self.profiles.items():
                file.write(_line({"profile": did, "json": profile}))

    @classmethod
    def read(cls, path: Path) -> Recording:
        recording = cls()
        with lzma.open(path, "rt", encoding="utf-8") as file:
            for line in file:
                entry = json.loads(line)
                if "profile" in entry:
                    recording.profiles[entry["profile"]] = entry["json"]
                else:
                    recording.responses[cls.key(entry["url"])] = entry
        return recording

    def serve(self, server: ReplayServer) -> None:
        """Add every recorded response to ``server`` (called with absolute URLs, as a proxy)."""
        for key, response in self.responses.items():
            body = response["json"] if "json" in response else response["text"]
            reply = Reply(body, response["status"], response.get("headers", {}))
            server.routes[key] = [Reply(reply.encoded(), reply.status, reply.headers)]
        server.add_dynamic(PROFILES_PATH, self._profiles)

    def _profiles(self, pairs: list[tuple[str, str]]) -> Reply:
        found = [
            self.profiles[did] for key, did in pairs if key == "actors" and did in self.profiles
        ]
        return Reply({"profiles": found})


def _line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
