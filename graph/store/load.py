"""Loading raw runs into the store: validated, pseudonymised, linked, all-or-nothing per run.

Each run is checked completely before anything is written: its file against the SHA-256 of
its manifest, every line against the data contract (a damaged run is rejected with its file
and line). DuckDB's JSON reader then turns the run into columns, and Python only computes
what needs Python once per distinct value: the pseudonym of each identifier and the identity
of each URL. Every value that could name someone goes through :mod:`graph.privacy.identifiers`:
account ids and the channels posts are in become pseudonyms, profile links keep their site
but not whom they name, a run's query, options and incidents name accounts by pseudonym only
(allow-listed institutions keep their names everywhere). Accounts erased on request are left
out and texts are cut down as the privacy settings say (:mod:`graph.privacy.store`) before one
transaction writes the run. Rows have natural keys and are only replaced by strictly newer
observations, so loading the same run twice changes nothing. A field longer than
:data:`MAX_FIELD_CHARS` is cut to that length (the raw run keeps it whole), and an error no
check foresaw rejects its run only, with its message; errors of the database or the machine
(a full disk) stop the load.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from collectors.rawrun import PAYLOAD_PREFIX, RawRunError, iter_line_blocks, read_manifest
from collectors.records import Run, decode_record
from collectors.speech import N_, _, ngettext, number
from graph.privacy import identifiers
from graph.privacy.pseudonyms import LEARNERS, Pseudonymiser
from graph.resources import Linker, LinkInfo
from graph.store import masking
from graph.store import queries as q
from graph.store.database import Store, StoreError

__all__ = [
    "IDENTIFIER_RULES",
    "LoadReport",
    "RunResult",
    "check_secret",
    "link_info_table",
    "load_runs",
    "match_stored_links",
    "save_resolutions",
]

_TEXT = pa.string()
_LINK_INFO = pa.schema(
    [("url", _TEXT), ("resolved_url", _TEXT), ("url_key", _TEXT), ("host", _TEXT),
     ("campaign", _TEXT), ("shortened", pa.bool_()), ("tracked", pa.bool_()),
     ("resource_id", _TEXT), ("match_reason", _TEXT)]
)  # fmt: skip
_ACCOUNT_IDS = pa.schema(
    [("platform", _TEXT), ("raw", _TEXT), ("stored", _TEXT), ("named", pa.bool_())]
)
_POST_IDS = pa.schema([("platform", _TEXT), ("raw", _TEXT), ("stored", _TEXT)])
_ERASED = pa.schema([("platform", _TEXT), ("raw", _TEXT)])
_RENAMED = pa.schema([("platform", _TEXT), ("pseudonym", _TEXT), ("account_id", _TEXT)])
#: Arrow tables registered on the connection while a run is written.
_REGISTERED = ("renamed_accounts", "new_account_ids", "new_post_ids", "staged_link_info")
#: Characters the store keeps of one field; longer ones are cut (the raw run keeps them).
MAX_FIELD_CHARS = 1_000_000
#: DuckDB's default largest JSON line, raised for a run holding a longer one.
_JSON_OBJECT_SIZE = 16 << 20
#: Errors of the database or the machine (disk full, no memory…): they stop the whole load.
_STOPS_THE_LOAD = (
    OSError, duckdb.OperationalError, duckdb.FatalException, duckdb.PermissionException,
    duckdb.InterruptException,
)  # fmt: skip


@dataclass(frozen=True)
class RunResult:
    """What happened to one run."""

    run_id: str
    status: str  # "loaded", "skipped" (already loaded) or "rejected"
    records: int = 0
    message: str = ""  # why it was skipped or rejected; for a loaded run, what was changed


@dataclass
class LoadReport:
    """The result of a load: one :class:`RunResult` per run, in order."""

    results: list[RunResult] = field(default_factory=list)

    def with_status(self, status: str) -> list[RunResult]:
        return [result for result in self.results if result.status == status]

    @property
    def records(self) -> int:
        return sum(result.records for result in self.results)


def load_runs(
    store: Store,
    manifests: Iterable[Path],
    *,
    linker: Linker,
    pseudonymiser: Pseudonymiser | None,
    keep_text: str = "full",
    erased: Container[tuple[str, str]] = (),
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
    keep_text : {"full", "excerpt", "none"}
        What the store keeps of post texts (see :mod:`graph.privacy.store`).
    erased : container of (platform, account id)
        Accounts erased on request (:class:`graph.privacy.store.ErasureList`): their lines are left
        out, and others' interactions lose the reshare of theirs they came through (``via``);
        learners erased (``("learners", pseudonym)``) lose their usage lines.
    progress : callable, optional
        Called with each :class:`RunResult` as it is decided.

    Returns
    -------
    LoadReport
    """
    _check_mode(store, pseudonymised=pseudonymiser is not None)
    if pseudonymiser is not None:
        check_secret(store, pseudonymiser)
        _note_identifier_rules(store)
    linker.resolutions.update(dict(store.connection.execute(q.SELECT_RESOLUTIONS).fetchall()))
    report = LoadReport()
    identities = _Identities(store, pseudonymiser)
    rules = _Rules(keep_text, erased)
    for statement in q.CREATE_ID_MAPS:
        store.connection.execute(statement)
    try:
        for manifest_path in manifests:
            result = _load_run(store, Path(manifest_path), linker, identities, rules)
            report.results.append(result)
            if progress:
                progress(result)
    finally:
        for statement in q.DROP_ID_MAPS:
            store.connection.execute(statement)
    return report


def check_secret(store: Store, pseudonymiser: Pseudonymiser) -> None:
    """Refuse a secret other than the one the store's pseudonyms were made with (the first
    pseudonymised load records its fingerprint)."""
    fingerprint = pseudonymiser.fingerprint()
    if store.first_setting("secret_fingerprint", fingerprint) != fingerprint:
        raise StoreError(
            _(
                "{path}: its pseudonyms were made with another secret than the one "
                "configured; use the secret file it was loaded with (privacy.secret_file or "
                "ESSAIM_SECRET_FILE, e.g. the --config of the data directory)"
            ).format(path=store.path)
        )


#: The setting telling whether every run of a store went through :mod:`graph.privacy.identifiers`
#: ("1"), or runs loaded by an earlier version may name people in channels, profile links,
#: run options and excerpts ("0": load again into a new database).
IDENTIFIER_RULES = "identifier_rules"


def _note_identifier_rules(store: Store) -> None:
    if store.setting(IDENTIFIER_RULES) is None:
        (loaded,) = store.connection.execute(q.COUNT_LOADED_RUNS).fetchall()[0]
        store.set_setting(IDENTIFIER_RULES, "0" if loaded else "1")


def _check_mode(store: Store, pseudonymised: bool) -> None:
    wanted = N_("on") if pseudonymised else N_("off")
    current = store.first_setting("pseudonymisation", wanted)
    if current != wanted:
        raise StoreError(
            _(
                "this database was loaded with pseudonymisation {current}; loading with it "
                "{wanted} would mix real and pseudonymous identifiers (use another data "
                "directory)"
            ).format(current=_(current), wanted=_(wanted))
        )


@dataclass(frozen=True)
class _Rules:
    """What the privacy settings leave out of a run."""

    keep_text: str
    erased: Container[tuple[str, str]]

    def leave_out_erased(self, connection: duckdb.DuckDBPyConnection) -> None:
        if not self.erased:
            return
        keys = connection.execute(q.SELECT_RUN_ACCOUNT_KEYS).fetchall()
        keys += connection.execute(q.SELECT_RUN_LEARNER_KEYS, [LEARNERS]).fetchall()
        found = [key for key in keys if key in self.erased]
        if found:
            table = pa.table([list(column) for column in zip(*found, strict=True)],
                             schema=_ERASED)  # fmt: skip
            connection.register("erased_ids", table)
            connection.execute(q.DELETE_ERASED_LINES)
            connection.execute(q.DELETE_ERASED_LEARNER_LINES, [LEARNERS])
            connection.execute(q.FORGET_ERASED_VIA)
            connection.unregister("erased_ids")


def _load_run(
    store: Store, manifest_path: Path, linker: Linker, ids: _Identities, rules: _Rules
) -> RunResult:
    try:
        run = read_manifest(manifest_path)
    except RawRunError as error:
        return RunResult(manifest_path.name, "rejected", message=str(error))
    run_path = manifest_path.with_name(f"{run.run_id}.jsonl.gz")
    loaded_hash = store.connection.execute(q.SELECT_RUN_HASH, [run.run_id]).fetchone()
    if loaded_hash is not None:
        if loaded_hash[0] == run.file_sha256:
            return RunResult(run.run_id, "skipped", message=_("already loaded"))
        message = _("{path}: differs from the copy loaded earlier (raw runs never change)")
        message = message.format(path=run_path)
        return RunResult(run.run_id, "rejected", message=message)
    replacing = store.connection.execute(q.SELECT_REPLACING_RUN, [run.run_id] * 2).fetchone()
    if replacing is not None:
        message = _("replaced by {run}").format(run=replacing[0])
        return RunResult(run.run_id, "skipped", message=message)
    try:
        records, longest = _validate(run_path, run)
    except RawRunError as error:
        return RunResult(run.run_id, "rejected", message=str(error))
    connection = store.connection
    object_size = max(_JSON_OBJECT_SIZE, longest + 1)
    try:
        connection.execute(q.READ_RUN_LINES, [str(run_path), q.RECORD_COLUMNS, object_size])
        for statement in q.NUMBER_RUN_LINES:
            connection.execute(statement)
    except duckdb.Error as error:
        message = _("{path}: unreadable ({error})").format(path=run_path, error=_first_line(error))
        return RunResult(run.run_id, "rejected", message=message)
    named = set(ids.named)
    try:
        note = _cut_long_fields(connection, run_path) if longest > MAX_FIELD_CHARS else ""
        _write_run(store, run, run_path, records, linker, ids, rules)
    except _STOPS_THE_LOAD:
        raise
    except Exception as error:  # a bug or an input no check foresaw: this run only
        ids.named = named
        message = _("{path}: not loaded ({kind}: {error})").format(
            path=run_path, kind=type(error).__name__, error=_first_line(error)
        )
        return RunResult(run.run_id, "rejected", message=message)
    finally:
        connection.execute(q.DROP_RUN_LINES)
        for statement in q.DROP_STAGED:
            connection.execute(statement)
        for name in _REGISTERED:
            connection.unregister(name)
    return RunResult(run.run_id, "loaded", records=records, message=note)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [""])[0]


def _cut_long_fields(connection: duckdb.DuckDBPyConnection, run_path: Path) -> str:
    """Cut the run's fields longer than :data:`MAX_FIELD_CHARS`; return a note saying so."""
    (cut,) = connection.execute(q.CUT_LONG_FIELDS, [MAX_FIELD_CHARS]).fetchone()
    if not cut:
        return ""
    return ngettext(
        "{path}: {cut} record(s) had a field longer than {limit} characters, cut to that "
        "length in the database (the raw run keeps it whole)",
        "{path}: {cut} record(s) had a field longer than {limit} characters, cut to that "
        "length in the database (the raw run keeps it whole)",
        cut,
    ).format(path=run_path, cut=cut, limit=number(MAX_FIELD_CHARS))


def _write_run(
    store: Store,
    run: Run,
    run_path: Path,
    records: int,
    linker: Linker,
    ids: _Identities,
    rules: _Rules,
) -> None:
    connection = store.connection
    rules.leave_out_erased(connection)
    accounts = connection.execute(q.SELECT_RUN_ACCOUNTS).fetchall()
    renamed = ids.begin_run(accounts)
    if renamed.num_rows:
        connection.execute(q.FORGET_ACCOUNT_IDS)
    urls = [url for (url,) in connection.execute(q.SELECT_RUN_URLS).fetchall()]
    for statement in q.COLLECT_RUN_IDS:
        connection.execute(statement)
    link_info, merged = ids.link_rows(connection, link_info_table(linker.info(u) for u in urls))
    registered = {
        "renamed_accounts": renamed,
        "new_account_ids": ids.account_rows(_rows(connection, q.SELECT_NEW_ACCOUNT_IDS)),
        "new_post_ids": ids.post_rows(_rows(connection, q.SELECT_NEW_POST_IDS)),
        "staged_link_info": link_info,
    }
    for name, table in registered.items():
        connection.register(name, table)
    for statement in [*q.MAP_RUN_IDS, *q.STAGE_RUN.values()]:
        connection.execute(statement)
    if merged:
        connection.execute(q.DEDUPE_STAGED_LINKS)
    if rules.keep_text != "full":
        connection.execute(q.MINIMISE_STAGED_TEXTS, [rules.keep_text])
    finals = ids.stored_urls(connection, linker.new_resolutions.values())
    run_row = _run_row(run, run_path, ids.pseudonymiser, records,
                       ids.run_texts(connection, run, accounts))  # fmt: skip
    with store.transaction():
        save_resolutions(connection, linker, finals)
        replaced = run.reparse_of or run.resumes
        if replaced:
            for statement in q.DELETE_ROWS_OF_RUN.values():
                connection.execute(statement, [replaced])
            connection.execute(q.MARK_RUN_SUPERSEDED, [run.run_id, replaced])
        if renamed.num_rows:
            for statement in q.RENAME_ACCOUNT_REFERENCES:
                connection.execute(statement)
        for table, insert_new in q.INSERT_NEW.items():
            connection.execute(q.FIND_EXISTING[table])
            update = q.UPDATE_EXISTING.get(table)
            if update and connection.execute(q.COUNT_EXISTING[table]).fetchone()[0]:
                connection.execute(update)
            connection.execute(insert_new)
        connection.execute(q.FORGET_OPTED_OUT_TEXTS)
        connection.execute(q.INSERT_RUN, run_row)
    linker.new_resolutions.clear()


def save_resolutions(
    connection: duckdb.DuckDBPyConnection, linker: Linker, stored: dict[str, str]
) -> None:
    """Store the shortener resolutions the linker made; call inside the write transaction,
    then clear ``linker.new_resolutions`` once it has committed. ``stored``: what the store
    keeps of final URLs that are profile links (:meth:`_Identities.stored_urls`)."""
    for short_url, final_url in linker.new_resolutions.items():
        connection.execute(q.UPSERT_RESOLUTION, [short_url, stored.get(final_url, final_url)])


def match_stored_links(
    store: Store, linker: Linker, pseudonymiser: Pseudonymiser | None
) -> tuple[pa.Table, dict[str, str]]:
    """Match every stored link again with ``linker`` (its resolutions seeded from the store):
    the matches as the store keeps them (``raw_url``: the stored link), and what it keeps of
    the final URLs of links resolved now (for :func:`save_resolutions`)."""
    connection = store.connection
    linker.resolutions.update(dict(connection.execute(q.SELECT_RESOLUTIONS).fetchall()))
    urls = [row[0] for row in connection.execute(q.SELECT_LINK_URLS).fetchall()]
    ids = _Identities(store, pseudonymiser)
    matches, _ = ids.link_rows(connection, link_info_table(linker.info(url) for url in urls))
    return matches, ids.stored_urls(connection, linker.new_resolutions.values())


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[str]]:
    table = connection.sql(sql).to_arrow_table()
    return table.column(0).to_pylist(), table.column(1).to_pylist()


def _validate(run_path: Path, run: Run) -> tuple[int, int]:
    """Check every record line against the data contract; return how many there are and the
    length of the longest line (payloads included)."""
    count = longest = 0
    for first_number, lines in iter_line_blocks(run_path, expected_sha256=run.file_sha256):
        longest = max(longest, max(map(len, lines)))
        for line_number, line in enumerate(lines, first_number):
            if line.startswith(PAYLOAD_PREFIX) or not line.strip():
                continue
            try:
                record_run = decode_record(line).run_id
            except msgspec.DecodeError as error:
                message = _("not a valid record ({error})").format(error=error)
                raise RawRunError(run_path, message, line_number) from None
            if record_run != run.run_id:
                message = _("record belongs to run {record_run!r}, not {run_id!r}").format(
                    record_run=record_run, run_id=run.run_id
                )
                raise RawRunError(run_path, message, line_number)
            count += 1
    return count, longest


def _run_row(
    run: Run,
    run_path: Path,
    pseudonymiser: Pseudonymiser | None,
    count: int,
    texts: tuple[str, str, str],
) -> list:
    query, parameters, incidents = texts
    return [
        run.run_id, run.source, query, parameters,
        run.started_at, run.finished_at, run.window_start, run.window_end,
        json.dumps(run.counts), incidents,
        run.essaim_version, run.reparse_of, run.file_sha256, str(run_path),
        pseudonymiser is not None, count, run.status, run.resumes,
    ]  # fmt: skip


class _Identities:
    """Decides what the store keeps of platform identifiers: pseudonyms unless allow-listed."""

    def __init__(self, store: Store, pseudonymiser: Pseudonymiser | None):
        self.pseudonymiser = pseudonymiser
        self.named = set(store.connection.execute(q.SELECT_NAMED_ACCOUNTS).fetchall())

    def begin_run(self, accounts: list[tuple[str, str, str | None]]) -> pa.Table:
        """Note the institutions among a run's ``(platform, account_id, handle)``; return
        ``(platform, pseudonym, account_id)`` for those first seen now, whose rows from
        earlier runs carry the pseudonym and must be renamed."""
        new = []
        if self.pseudonymiser is not None:
            found = {
                (platform, account_id)
                for platform, account_id, handle in accounts
                if self.pseudonymiser.is_named(platform, account_id, handle)
            }
            new = sorted(found - self.named)
            self.named.update(new)
        rows = [(platform, self.pseudonymiser.account(platform, id_), id_) for platform, id_ in new]
        return pa.table([list(column) for column in zip(*rows, strict=True)] or [[], [], []],
                        schema=_RENAMED)  # fmt: skip

    def account_rows(self, ids: tuple[list[str], list[str]]) -> pa.Table:
        """``(platform, raw, stored, named)`` for the given ``(platforms, raw ids)``."""
        platforms, raws = ids
        if self.pseudonymiser is None:
            return pa.table([platforms, raws, raws, [True] * len(raws)], schema=_ACCOUNT_IDS)
        is_named, pseudonym = self.pseudonymiser.is_named, self.pseudonymiser.account
        named = [
            key in self.named or is_named(*key, None)
            for key in zip(platforms, raws, strict=True)
        ]  # fmt: skip
        stored = [
            raw if keep else pseudonym(platform, raw)
            for platform, raw, keep in zip(platforms, raws, named, strict=True)
        ]
        return pa.table([platforms, raws, stored, named], schema=_ACCOUNT_IDS)

    def is_named(self, platform: str, account_id: str, handle: str | None = None) -> bool:
        """Tell whether an account keeps its name (allow-listed, or loaded as named)."""
        if self.pseudonymiser is None or (platform, account_id) in self.named:
            return True
        return self.pseudonymiser.is_named(platform, account_id, handle)

    def stored_urls(
        self, connection: duckdb.DuckDBPyConnection, values: Iterable[str | None] | pa.Array
    ) -> dict[str, str]:
        """What the store keeps of those ``values`` that are profile links of accounts not on
        the allow-list: the part naming the account becomes its pseudonym, the rest of the
        path a keyed digest (a post's id can lead to its author). Values absent from the
        result are kept as they are. Computed once per distinct value, in SQL then Python."""
        if self.pseudonymiser is None:
            return {}
        array = values if isinstance(values, pa.Array) else pa.array(list(values), _TEXT)
        if not len(array):
            return {}
        connection.register("profile_candidates", pa.table({"value": array}))
        try:
            parts = connection.execute(q.SELECT_PROFILE_PARTS).fetchall()
        finally:
            connection.unregister("profile_candidates")
        stored = {}
        for value, prefix, who, rest in parts:
            found = identifiers.profile_account(prefix, who)
            if found is None or identifiers.is_pseudonym(who):
                continue
            platform, account = found
            if platform == "linkedin":  # a post's link: <member>_<words>-activity-<id>
                who, mark, tail = who.partition("_")
                rest = mark + tail + rest
            if self.is_named(platform, account, who):
                continue
            if rest.strip("/"):
                rest = "/" + self.pseudonymiser.post(platform, account + rest)
            stored[value] = prefix + self.pseudonymiser.account(platform, account) + rest
        return stored

    def link_rows(
        self, connection: duckdb.DuckDBPyConnection, table: pa.Table
    ) -> tuple[pa.Table, bool]:
        """The run's link table as the store keeps it, with ``raw_url`` (the link as found,
        for the join with the run's posts); and whether two links now read the same."""
        table = table.append_column("raw_url", table.column("url"))
        if self.pseudonymiser is None or not table.num_rows:
            return table, False
        unmatched = table.filter(pc.is_null(table.column("resource_id")))
        columns = ("url", "resolved_url", "url_key")
        stored = self.stored_urls(
            connection, pa.concat_arrays([unmatched.column(c).combine_chunks() for c in columns])
        )
        # A malformed link's reason quotes the error, which may quote the link.
        malformed = pc.fill_null(
            pc.starts_with(unmatched.column("match_reason"), "malformed"), False
        )
        reasons = list(set(unmatched.filter(malformed).column("match_reason").to_pylist()))
        masked = dict(zip(reasons, masking.mask_texts(reasons, connection), strict=True))
        masked = {reason: kept for reason, kept in masked.items() if reason != kept}
        if not stored and not masked:
            return table, False
        matched = pc.is_valid(table.column("resource_id")).to_pylist()
        for name, replaced in [*((c, stored) for c in columns), ("match_reason", masked)]:
            values = [
                value if keep else replaced.get(value, value)
                for value, keep in zip(table.column(name).to_pylist(), matched, strict=True)
            ]
            index = table.schema.get_field_index(name)
            table = table.set_column(index, name, pa.array(values, _TEXT))
        urls = table.column("url").to_pylist()
        return table, len(set(urls)) < len(urls)

    def run_texts(
        self, connection: duckdb.DuckDBPyConnection, run: Run, accounts: list[tuple]
    ) -> tuple[str, str, str]:
        """A run's query, options (JSON) and incidents (JSON) as the store keeps them: the
        accounts its options name (:data:`graph.privacy.identifiers.ACCOUNT_PARAMETERS`) replaced by
        their pseudonyms everywhere in them, every other identifier masked; incidents (where
        and message) lose their query values and long numbers too. ``accounts``: the run's
        ``(platform, account_id, handle)``."""
        parameters = json.loads(json.dumps(run.parameters, default=str))
        incidents = json.loads(msgspec.json.encode(run.incidents))
        if self.pseudonymiser is None:
            return run.query, json.dumps(parameters), msgspec.json.encode(incidents).decode()
        names = identifiers.account_values(parameters)
        platform = identifiers.run_platform(run.source, parameters, {a[0] for a in accounts})
        known = {}
        for account in accounts:
            for name in account[1:]:
                if name:
                    known.setdefault(name.lower(), account)
        stored = {}
        for name in names:
            key = identifiers.account_key(platform, name)
            account_platform, account_id, handle = (
                known.get(key.lower()) or known.get(name.lower()) or (platform, key, None)
            )
            forms = {form for form in (name, key, account_id, handle) if form}
            if self.is_named(account_platform, account_id, handle or key):
                stored.update((form, form) for form in forms)
            else:
                pseudonym = self.pseudonymiser.account(account_platform, account_id)
                stored.update((form, pseudonym) for form in forms)
        mask = lambda values: masking.mask_texts(values, connection)  # noqa: E731
        query, parameters = identifiers.replace_accounts([run.query, parameters], stored, mask)
        places = [[incident.get("where"), incident.get("message")] for incident in incidents]
        places = identifiers.replace_accounts(
            places, stored, lambda values: masking.mask_locators(values, connection)
        )
        for incident, (where, message) in zip(incidents, places, strict=True):
            incident.update(where=where, message=message)
        return query, json.dumps(parameters), msgspec.json.encode(incidents).decode()

    def post_rows(self, ids: tuple[list[str], list[str]]) -> pa.Table:
        """``(platform, raw, stored)`` for the given ``(platforms, raw ids)``."""
        platforms, raws = ids
        if self.pseudonymiser is None:
            return pa.table([platforms, raws, raws], schema=_POST_IDS)
        stored = list(map(self.pseudonymiser.post, platforms, raws))
        return pa.table([platforms, raws, stored], schema=_POST_IDS)


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
        schema=_LINK_INFO,
    )
