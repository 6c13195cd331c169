"""Loading raw runs into the store: validated, pseudonymised, linked, all-or-nothing per run.

Each run is read completely and checked (its file against the SHA-256 of its manifest, every
line against the data contract) before one transaction writes it; a damaged run is rejected
with its file and line, and leaves the database as it was. Rows have natural keys and are only
replaced by strictly newer observations, so loading the same run twice changes nothing.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import pyarrow as pa

from collectors.rawrun import PAYLOAD_PREFIX, Payload, RawRunError, iter_lines, read_manifest
from collectors.records import Account, Follow, Interaction, Post, Record, Run
from graph.pseudonyms import Pseudonymiser
from graph.resources import Linker, LinkInfo
from graph.store import queries as q
from graph.store.database import Store, StoreError

__all__ = ["LoadReport", "RunResult", "link_info_table", "load_runs"]

_line_decoder = msgspec.json.Decoder(Payload | Post | Account | Interaction | Follow)

_TIME = pa.timestamp("us", tz="UTC")
_TEXT = pa.string()
_SCHEMAS = {
    "accounts": pa.schema(
        [("platform", _TEXT), ("account_id", _TEXT), ("named", pa.bool_()), ("handle", _TEXT),
         ("display_name", _TEXT), ("followers_count", pa.int64()),
         ("following_count", pa.int64()), ("counts_observed_at", _TIME), ("kind", _TEXT),
         ("opt_out", pa.list_(_TEXT)), ("source", _TEXT), ("run_id", _TEXT),
         ("collected_at", _TIME)]
    ),
    "posts": pa.schema(
        [("platform", _TEXT), ("post_id", _TEXT), ("url", _TEXT), ("author_id", _TEXT),
         ("created_at", _TIME), ("text", _TEXT), ("language", _TEXT), ("reply_to", _TEXT),
         ("quote_of", _TEXT), ("repost_of", _TEXT), ("likes", pa.int64()),
         ("reposts", pa.int64()), ("replies", pa.int64()), ("quotes", pa.int64()),
         ("views", pa.int64()), ("clicks", pa.int64()), ("counts_observed_at", _TIME),
         ("forum", _TEXT), ("board", _TEXT), ("subreddit", _TEXT), ("channel", _TEXT),
         ("instance", _TEXT), ("hashtags", pa.list_(_TEXT)), ("source", _TEXT),
         ("run_id", _TEXT), ("collected_at", _TIME)]
    ),
    "links": pa.schema(
        [("platform", _TEXT), ("post_id", _TEXT), ("url", _TEXT), ("run_id", _TEXT)]
    ),
    "link_info": pa.schema(
        [("url", _TEXT), ("resolved_url", _TEXT), ("url_key", _TEXT), ("host", _TEXT),
         ("campaign", _TEXT), ("shortened", pa.bool_()), ("tracked", pa.bool_()),
         ("resource_id", _TEXT), ("match_reason", _TEXT)]
    ),
    "interactions": pa.schema(
        [("platform", _TEXT), ("kind", _TEXT), ("actor_id", _TEXT), ("target_post_id", _TEXT),
         ("post_id", _TEXT), ("created_at", _TIME), ("source", _TEXT), ("run_id", _TEXT),
         ("collected_at", _TIME)]
    ),
    "follows": pa.schema(
        [("platform", _TEXT), ("follower_id", _TEXT), ("followee_id", _TEXT),
         ("first_observed_at", _TIME), ("last_observed_at", _TIME), ("source", _TEXT),
         ("run_id", _TEXT)]
    ),
}  # fmt: skip
_UPSERTS = {
    "accounts": q.UPSERT_ACCOUNTS,
    "posts": q.UPSERT_POSTS,
    "links": q.INSERT_LINKS,
    "interactions": q.UPSERT_INTERACTIONS,
    "follows": q.UPSERT_FOLLOWS,
}


@dataclass(frozen=True)
class RunResult:
    """What happened to one run."""

    run_id: str
    status: str  # "loaded", "skipped" (already loaded) or "rejected"
    records: int = 0
    message: str = ""


@dataclass
class LoadReport:
    """The result of a load: one :class:`RunResult` per run, in order."""

    results: list[RunResult] = field(default_factory=list)

    def with_status(self, status: str) -> list[RunResult]:
        return [result for result in self.results if result.status == status]

    @property
    def records(self) -> int:
        return sum(result.records for result in self.results)


@dataclass
class _Records:
    posts: list[Post] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    follows: list[Follow] = field(default_factory=list)

    def add(self, record: Record) -> None:
        getattr(self, type(record).__struct_config__.tag + "s").append(record)

    def __len__(self) -> int:
        return len(self.posts) + len(self.accounts) + len(self.interactions) + len(self.follows)


def load_runs(
    store: Store,
    manifests: Iterable[Path],
    *,
    linker: Linker,
    pseudonymiser: Pseudonymiser | None,
    progress: Callable[[RunResult], None] | None = None,
) -> LoadReport:
    """Load raw runs (given by their manifest paths) into the store.

    Parameters
    ----------
    store : Store
        An open, writable store.
    manifests : iterable of Path
        ``*.manifest.json`` files; runs already loaded are skipped.
    linker : Linker
        Turns links into URL keys and catalogue matches; its resolution cache is filled from
        the store and new resolutions are saved back.
    pseudonymiser : Pseudonymiser or None
        ``None`` loads real identifiers (``--no-pseudonymise``). A store keeps the mode of its
        first load; mixing modes raises :class:`StoreError`.
    progress : callable, optional
        Called with each :class:`RunResult` as it is decided.

    Returns
    -------
    LoadReport
    """
    _check_mode(store, pseudonymised=pseudonymiser is not None)
    linker.resolutions.update(dict(store.connection.execute(q.SELECT_RESOLUTIONS).fetchall()))
    report = LoadReport()
    identities = _Identities(store, pseudonymiser)
    gc.disable()  # records hold no reference cycles; collecting during a bulk load only costs
    try:
        for manifest_path in manifests:
            result = _load_run(store, Path(manifest_path), linker, identities)
            report.results.append(result)
            if progress:
                progress(result)
    finally:
        gc.enable()
    return report


def _check_mode(store: Store, pseudonymised: bool) -> None:
    wanted = "on" if pseudonymised else "off"
    current = store.setting("pseudonymisation")
    if current is None:
        store.set_setting("pseudonymisation", wanted)
    elif current != wanted:
        raise StoreError(
            f"this database was loaded with pseudonymisation {current}; loading with it "
            f"{wanted} would mix real and pseudonymous identifiers (use another data directory)"
        )


def _load_run(store: Store, manifest_path: Path, linker: Linker, ids: _Identities) -> RunResult:
    try:
        run = read_manifest(manifest_path)
    except RawRunError as error:
        return RunResult(manifest_path.name, "rejected", message=str(error))
    run_path = manifest_path.with_name(f"{run.run_id}.jsonl.gz")
    loaded_hash = store.connection.execute(q.SELECT_RUN_HASH, [run.run_id]).fetchone()
    if loaded_hash is not None:
        if loaded_hash[0] == run.file_sha256:
            return RunResult(run.run_id, "skipped", message="already loaded")
        message = f"{run_path}: differs from the copy loaded earlier (raw runs never change)"
        return RunResult(run.run_id, "rejected", message=message)
    try:
        records = _read_records(run_path, run)
    except RawRunError as error:
        return RunResult(run.run_id, "rejected", message=str(error))
    tables, renamed = _stage(records, linker, ids)
    with store.transaction() as connection:
        for short_url, final_url in linker.new_resolutions.items():
            connection.execute(q.UPSERT_RESOLUTION, [short_url, final_url])
        if run.reparse_of:
            for statement in q.DELETE_ROWS_OF_RUN.values():
                connection.execute(statement, [run.reparse_of])
            connection.execute(q.MARK_RUN_SUPERSEDED, [run.run_id, run.reparse_of])
        if renamed.num_rows:
            connection.register("renamed_accounts", renamed)
            for statement in q.RENAME_ACCOUNT_REFERENCES:
                connection.execute(statement)
            connection.unregister("renamed_accounts")
        for name, table in tables.items():
            connection.register(f"staged_{name}", table)
        for name, statements in _UPSERTS.items():
            if tables[name].num_rows:
                for statement in statements:
                    connection.execute(statement)
        for name in tables:
            connection.unregister(f"staged_{name}")
        connection.execute(q.INSERT_RUN, _run_row(run, run_path, ids.pseudonymiser, len(records)))
    linker.new_resolutions.clear()
    return RunResult(run.run_id, "loaded", records=len(records))


def _read_records(run_path: Path, run: Run) -> _Records:
    records = _Records()
    for number, line in iter_lines(run_path, expected_sha256=run.file_sha256):
        if line.startswith(PAYLOAD_PREFIX) or not line.strip():
            continue
        try:
            record = _line_decoder.decode(line)
        except msgspec.DecodeError as error:
            raise RawRunError(run_path, f"not a valid record ({error})", number) from None
        if record.run_id != run.run_id:
            raise RawRunError(
                run_path, f"record belongs to run {record.run_id!r}, not {run.run_id!r}", number
            )
        records.add(record)
    return records


def _run_row(run: Run, run_path: Path, pseudonymiser: Pseudonymiser | None, count: int) -> list:
    return [
        run.run_id, run.source, run.query, json.dumps(run.parameters, default=str),
        run.started_at, run.finished_at, run.window_start, run.window_end,
        json.dumps(run.counts), msgspec.json.encode(run.incidents).decode(),
        run.essaim_version, run.reparse_of, run.file_sha256, str(run_path),
        pseudonymiser is not None, count,
    ]  # fmt: skip


class _Identities:
    """Maps platform identifiers to what the store keeps (pseudonyms unless allow-listed).

    One instance serves a whole load, so each identifier is hashed once; the caches are
    cleared when a run reveals a new institution.
    """

    def __init__(self, store: Store, pseudonymiser: Pseudonymiser | None):
        self.pseudonymiser = pseudonymiser
        self.named = set(store.connection.execute(q.SELECT_NAMED_ACCOUNTS).fetchall())
        self._accounts: dict[tuple[str, str], str] = {}
        self._posts: dict[tuple[str, str], str] = {}
        self._named: dict[tuple[str, str], bool] = {}

    def begin_run(self, records: _Records) -> pa.Table:
        """Note the run's institutions; return (platform, pseudonym, account_id) of those
        that may be stored under a pseudonym from earlier runs, to rename them."""
        found = set()
        if self.pseudonymiser is not None:
            found = {
                (account.platform, account.account_id)
                for account in records.accounts
                if self.pseudonymiser.is_named(account.platform, account.account_id, account.handle)
            }
        new = sorted(found - self.named)
        if new:
            self.named.update(new)
            self._accounts.clear()
            self._named.clear()
        rows = [(platform, self.pseudonymiser.account(platform, id_), id_) for platform, id_ in new]
        return pa.table(
            {name: [row[i] for row in rows]
             for i, name in enumerate(("platform", "pseudonym", "account_id"))},
            schema=pa.schema([("platform", _TEXT), ("pseudonym", _TEXT), ("account_id", _TEXT)]),
        )  # fmt: skip

    def is_named(self, platform: str, account_id: str) -> bool:
        key = (platform, account_id)
        named = self._named.get(key)
        if named is None:
            named = self._named[key] = (
                self.pseudonymiser is None
                or key in self.named
                or self.pseudonymiser.is_named(platform, account_id, None)
            )
        return named

    def account(self, platform: str, account_id: str) -> str:
        key = (platform, account_id)
        value = self._accounts.get(key)
        if value is None:
            value = account_id if self.is_named(*key) else self.pseudonymiser.account(*key)
            self._accounts[key] = value
        return value

    def post(self, platform: str, post_id: str | None) -> str | None:
        if post_id is None or self.pseudonymiser is None:
            return post_id
        key = (platform, post_id)
        value = self._posts.get(key)
        if value is None:
            value = self._posts[key] = self.pseudonymiser.post(*key)
        return value


def _stage(
    records: _Records, linker: Linker, ids: _Identities
) -> tuple[dict[str, pa.Table], pa.Table]:
    renamed = ids.begin_run(records)
    columns = {
        "accounts": _account_columns(records.accounts, ids),
        "posts": _post_columns(records.posts, ids),
        "links": _link_columns(records.posts, ids),
        "interactions": _interaction_columns(records.interactions, ids),
        "follows": _follow_columns(records.follows, ids),
    }
    tables = {name: pa.table(data, schema=_SCHEMAS[name]) for name, data in columns.items()}
    urls = dict.fromkeys(url for post in records.posts for url in post.links)
    tables["link_info"] = link_info_table(linker.info(url) for url in urls)
    return tables, renamed


def _provenance(records: list[Record]) -> dict[str, list]:
    return {
        "source": [r.source for r in records],
        "run_id": [r.run_id for r in records],
        "collected_at": [r.collected_at for r in records],
    }


def _account_columns(accounts: list[Account], ids: _Identities) -> dict[str, list]:
    named = [ids.is_named(a.platform, a.account_id) for a in accounts]
    return {
        "platform": [a.platform for a in accounts],
        "account_id": [ids.account(a.platform, a.account_id) for a in accounts],
        "named": named,
        "handle": [a.handle if n else None for a, n in zip(accounts, named, strict=True)],
        "display_name": [
            a.display_name if n else None for a, n in zip(accounts, named, strict=True)
        ],
        "followers_count": [a.followers_count for a in accounts],
        "following_count": [a.following_count for a in accounts],
        "counts_observed_at": [a.counts_observed_at for a in accounts],
        "kind": [a.kind for a in accounts],
        "opt_out": [a.opt_out for a in accounts],
        **_provenance(accounts),
    }


def _post_columns(posts: list[Post], ids: _Identities) -> dict[str, list]:
    engagement = [p.engagement for p in posts]
    community = [p.community for p in posts]
    columns = {
        "platform": [p.platform for p in posts],
        "post_id": [ids.post(p.platform, p.post_id) for p in posts],
        "url": [p.url if ids.is_named(p.platform, p.author_id) else None for p in posts],
        "author_id": [ids.account(p.platform, p.author_id) for p in posts],
        "created_at": [p.created_at for p in posts],
        "text": [p.text for p in posts],
        "language": [p.language for p in posts],
        "reply_to": [ids.post(p.platform, p.reply_to) for p in posts],
        "quote_of": [ids.post(p.platform, p.quote_of) for p in posts],
        "repost_of": [ids.post(p.platform, p.repost_of) for p in posts],
    }
    for count in ("likes", "reposts", "replies", "quotes", "views", "clicks"):
        columns[count] = [getattr(e, count) if e else None for e in engagement]
    columns["counts_observed_at"] = [e.observed_at if e else None for e in engagement]
    for place in ("forum", "board", "subreddit", "channel", "instance", "hashtags"):
        columns[place] = [getattr(c, place) for c in community]
    columns.update(_provenance(posts))
    return columns


def _link_columns(posts: list[Post], ids: _Identities) -> dict[str, list]:
    rows = [
        (post.platform, ids.post(post.platform, post.post_id), url, post.run_id)
        for post in posts
        for url in post.links
    ]
    return {
        name: [row[i] for row in rows]
        for i, name in enumerate(("platform", "post_id", "url", "run_id"))
    }


def link_info_table(infos: Iterable[LinkInfo]) -> pa.Table:
    """One row per distinct URL: its key, resolution, campaign and catalogue match."""
    infos = list(infos)
    return pa.table(
        {
            "url": [i.url for i in infos],
            "resolved_url": [i.resolved_url for i in infos],
            "url_key": [i.key for i in infos],
            "host": [i.host for i in infos],
            "campaign": [json.dumps(i.campaign) if i.campaign else None for i in infos],
            "shortened": [i.shortened for i in infos],
            "tracked": [i.tracked for i in infos],
            "resource_id": [i.resource_id for i in infos],
            "match_reason": [i.match_reason for i in infos],
        },
        schema=_SCHEMAS["link_info"],
    )


def _interaction_columns(interactions: list[Interaction], ids: _Identities) -> dict[str, list]:
    return {
        "platform": [i.platform for i in interactions],
        "kind": [i.kind for i in interactions],
        "actor_id": [ids.account(i.platform, i.actor_id) for i in interactions],
        "target_post_id": [ids.post(i.platform, i.target_post_id) for i in interactions],
        "post_id": [ids.post(i.platform, i.post_id) or "" for i in interactions],
        "created_at": [i.created_at for i in interactions],
        **_provenance(interactions),
    }


def _follow_columns(follows: list[Follow], ids: _Identities) -> dict[str, list]:
    observed = [f.collected_at for f in follows]
    return {
        "platform": [f.platform for f in follows],
        "follower_id": [ids.account(f.platform, f.follower_id) for f in follows],
        "followee_id": [ids.account(f.platform, f.followee_id) for f in follows],
        "first_observed_at": observed,
        "last_observed_at": observed,
        "source": [f.source for f in follows],
        "run_id": [f.run_id for f in follows],
    }
