"""Raw runs: what a source returned, stored as received, with the records parsed from it.

A run is two files under ``<data>/raw/<source>/``:

- ``<run_id>.jsonl.gz``: one JSON object per line, either a payload (``"type": "payload"``,
  the body exactly as received) or a record (``"type": "post"`` …) parsed from the payload
  before it;
- ``<run_id>.manifest.json``: the :class:`~collectors.records.Run` (query, parameters, times,
  counts, incidents, the SHA-256 of the ``.jsonl.gz``).

Both are written under a temporary name (``.partial``) and renamed when the run is closed,
then made read-only: a run never changes once written. The partial files are flushed as the
run goes, so that a run stopped by a crash or a kill can be salvaged and resumed
(:func:`salvage_run`, :mod:`collectors.checkpoint`). Credentials never reach these files: headers
and parameters whose names look like secrets are dropped before writing.
"""

from __future__ import annotations

import base64
import fcntl
import gzip
import hashlib
import os
import re
import secrets
import shutil
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import msgspec

from collectors import __version__
from collectors.errors import UserError
from collectors.records import AwareDatetime, Record, Run, RunIncident, RunStatus, encode_record
from collectors.speech import _

__all__ = [
    "PAYLOAD_PREFIX",
    "SEALED_MODE",
    "Payload",
    "RawRunError",
    "RawRunWriter",
    "check_name",
    "copy_run",
    "find_runs",
    "iter_lines",
    "new_run_id",
    "read_manifest",
    "run_paths",
    "salvage_run",
    "sha256_of",
    "unfinished_runs",
]

#: Every payload line starts so (the writer puts the tag first), which lets readers skip them.
PAYLOAD_PREFIX = b'{"type":"payload"'
#: Sealed run files and manifests: read-only, and for their owner only.
SEALED_MODE = 0o400
_BLOCK_SIZE = 1 << 20  # bytes of compressed data read at a time
_SECRET_NAME = re.compile(r"auth|cookie|token|secret|passw|api[-_]?key|jwt|session", re.I)
#: What a run id or a source may be: it names files and folders under ``raw/``.
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class Payload(msgspec.Struct, tag="payload", tag_field="type", kw_only=True, omit_defaults=True):
    """One response body exactly as received, with the request that produced it."""

    seq: int  # position of the payload in the run, from 1
    received_at: AwareDatetime  # when the response arrived (UTC)
    url: str  # requested URL (or file path for imports), without credentials
    method: str = "GET"  # HTTP method, "FILE" for imports, "WS" for websocket messages
    params: dict[str, Any] = {}  # request parameters, secrets dropped
    status: int | None = None  # HTTP status code when there is one
    headers: dict[str, str] = {}  # response headers, secrets dropped
    encoding: Literal["utf-8", "base64"] = "utf-8"  # how ``body`` is stored
    body: str  # the body: text as received, or base64 when it was not valid UTF-8

    def content(self) -> bytes:
        """Return the body as the bytes that were received."""
        if self.encoding == "base64":
            return base64.b64decode(self.body)
        return self.body.encode("utf-8")


class RawRunError(UserError):
    """A raw run file that cannot be read: names the file and, when known, the line."""

    def __init__(self, path: Path, message: str, line: int | None = None):
        self.path, self.line = path, line
        if line is None:
            said = _("{path}: {message}").format(path=path, message=message)
        else:
            said = _("{path}, line {line}: {message}").format(path=path, line=line, message=message)
        super().__init__(said)


def new_run_id(source: str, now: datetime | None = None) -> str:
    """Return a new, sortable, unique run id such as ``bluesky-20260901T101500Z-3fa9c1``."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{source}-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def run_paths(raw_dir: Path, source: str, run_id: str) -> tuple[Path, Path]:
    """Return the ``.jsonl.gz`` and manifest paths of a run.

    Raises
    ------
    RawRunError
        If ``source`` or ``run_id`` could name a file elsewhere (see :func:`check_name`).
    """
    folder = Path(raw_dir) / check_name(source, "source", raw_dir)
    run_id = check_name(run_id, "run_id", raw_dir)
    return folder / f"{run_id}.jsonl.gz", folder / f"{run_id}.manifest.json"


def check_name(name: str, what: str, where: Path) -> str:
    """Return ``name`` if it is safe as a file name: letters, digits, ``.``, ``_`` and ``-``,
    starting with a letter or digit, without ``..``; else raise :class:`RawRunError` on
    ``where``.

    >>> check_name("bluesky-20260901T101500Z-3fa9c1", "run_id", Path("raw"))
    'bluesky-20260901T101500Z-3fa9c1'
    """
    if not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise RawRunError(
            Path(where),
            _(
                "{what} {name} is not a safe file name (letters, digits, '.', '_', '-'; no '..')"
            ).format(what=what, name=repr(name)),
        )
    return name


def _without_secrets(mapping: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (mapping or {}).items() if not _SECRET_NAME.search(str(k))}


class RawRunWriter:
    """Write one raw run; use it as a context manager.

    Parameters
    ----------
    raw_dir : Path
        The ``<data>/raw`` folder.
    source : str
        Collector or importer name; the run goes in ``raw_dir / source``.
    query : str
        The query in words.
    parameters : dict, optional
        Options of the run; names that look like secrets are dropped.
    window_start, window_end : datetime, optional
        Period the collected data covers, when the query bounds it.
    reparse_of : str, optional
        Run whose payloads are re-parsed into this one.
    resumes : str, optional
        Interrupted or incomplete run this one finishes.
    run_id : str, optional
        Id of the new run; a fresh one by default.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with RawRunWriter(Path(tempfile.mkdtemp()), "demo", "example") as run:
    ...     payload = run.add_payload('{"ok": true}', url="https://example.org/api")
    >>> run.manifest.counts
    {'payloads': 1}
    """

    def __init__(
        self,
        raw_dir: Path,
        source: str,
        query: str,
        parameters: dict[str, Any] | None = None,
        *,
        window_start: datetime | None = None,
        window_end: datetime | None = None,
        reparse_of: str | None = None,
        resumes: str | None = None,
        run_id: str | None = None,
    ):
        self.manifest = Run(
            run_id=run_id or new_run_id(source),
            source=source,
            query=query,
            parameters=_without_secrets(parameters),
            started_at=datetime.now(UTC),
            window_start=window_start,
            window_end=window_end,
            essaim_version=__version__,
            reparse_of=reparse_of,
            resumes=resumes,
            status="interrupted",  # until close() says otherwise
        )
        self.path, self.manifest_path = run_paths(raw_dir, source, self.manifest.run_id)
        if self.path.exists() or self.manifest_path.exists():
            raise FileExistsError(
                _("run {run_id} already exists in {folder}").format(
                    run_id=self.manifest.run_id, folder=raw_dir
                )
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._partial = _partial(self.path)
        self._partial_manifest = _partial(self.manifest_path)
        _write_file(self._partial_manifest, msgspec.json.encode(self.manifest))
        self._lock = _hold_lock(self._partial_manifest)  # tells salvage_run the run is alive
        # Level 6 (zlib's default) compresses almost as well as 9 at a fraction of the time.
        self._file = gzip.open(self._partial, "wb", compresslevel=6)  # noqa: SIM115
        self._encoder = msgspec.json.Encoder()
        self._counts: Counter[str] = Counter()
        self._ignored: Counter[str] = Counter()
        self._seq = 0

    @property
    def run_id(self) -> str:
        return self.manifest.run_id

    def add_payload(
        self,
        body: bytes | str,
        *,
        url: str,
        method: str = "GET",
        params: dict[str, Any] | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        received_at: datetime | None = None,
    ) -> Payload:
        """Store a response body as received and return it as a :class:`Payload`."""
        if isinstance(body, bytes):
            try:
                text, encoding = body.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                text, encoding = base64.b64encode(body).decode("ascii"), "base64"
        else:
            text, encoding = body, "utf-8"
        self._seq += 1
        payload = Payload(
            seq=self._seq,
            received_at=(received_at or datetime.now(UTC)).astimezone(UTC),
            url=url,
            method=method,
            params=_without_secrets(params),
            status=status,
            headers={k: str(v) for k, v in _without_secrets(headers).items()},
            encoding=encoding,
            body=text,
        )
        self._write(self._encoder.encode(payload), "payloads")
        return payload

    def add_records(self, records: Iterable[Record]) -> None:
        """Store parsed records (after the payload they come from)."""
        for record in records:
            self._write(encode_record(record), type(record).__struct_config__.tag + "s")

    def add_incident(
        self, kind: str, where: str, message: str, wait_seconds: float | None = None
    ) -> None:
        """Note an error, a rate-limit wait or a failed page in the manifest."""
        self.manifest.incidents.append(
            RunIncident(
                kind=kind,
                at=datetime.now(UTC),
                where=where,
                message=message,
                wait_seconds=wait_seconds,
            )
        )

    def _write(self, line: bytes, counter: str) -> None:
        try:
            self._file.write(line + b"\n")
        except OSError as error:
            raise _naming(error, self._partial) from None
        self._counts[counter] += 1

    def add_ignored(self, ignored: Counter[str]) -> None:
        """Count the parts of records the parsers left out (see ``ParseContext.ignore``);
        the manifest says how many of each when the run closes."""
        self._ignored.update(ignored)

    def flush(self) -> None:
        """Make everything written so far readable from disk, should the process die."""
        try:
            self._file.flush()
        except OSError as error:
            raise _naming(error, self._partial) from None

    def close(self, status: RunStatus | None = None) -> Run:
        """Finish the run: write the manifest, rename both files, make them read-only.

        ``status`` defaults to "incomplete" when a page failed for good, else "complete".
        """
        if self._file.closed:
            return self.manifest
        try:
            self._file.close()
        except OSError as error:
            raise _naming(error, self._partial) from None
        for what, count in sorted(self._ignored.items()):
            self.add_incident("ignored", "records", f"{count:,} {what} ignored")
        failed = any(incident.kind == "failed-page" for incident in self.manifest.incidents)
        self.manifest.status = status or ("incomplete" if failed else "complete")
        self.manifest.counts = dict(sorted(self._counts.items()))
        _finish(self.manifest, self._partial, self.path, self.manifest_path)
        self._lock.close()
        return self.manifest

    def discard(self) -> None:
        """Abandon the run: close and delete what was written (used when the input is bad)."""
        self._file.close()
        self._partial.unlink(missing_ok=True)
        self._partial_manifest.unlink(missing_ok=True)
        self._lock.close()

    def __enter__(self) -> RawRunWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None:
            self.add_incident("error", "run", f"run stopped early: {exc!r}")
        self.close("interrupted" if exc is not None else None)


def _naming(error: OSError, path: Path) -> OSError:
    """``error`` with the file it happened to (a full disk says "File too large" alone)."""
    return error if error.filename else OSError(error.errno, error.strerror, str(path))


def _write_file(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise _naming(error, path) from None


class _Tagged(msgspec.Struct):
    type: str


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _finish(run: Run, partial_file: Path, path: Path, manifest_path: Path) -> None:
    """Seal a run: hash its file, rename the partial files, make both read-only."""
    run.finished_at = datetime.now(UTC)
    run.file_sha256 = sha256_of(partial_file)
    os.replace(partial_file, path)
    partial_manifest = _partial(manifest_path)
    _write_file(partial_manifest, msgspec.json.format(msgspec.json.encode(run)))
    os.replace(partial_manifest, manifest_path)
    for sealed in (path, manifest_path):
        sealed.chmod(SEALED_MODE)


def _hold_lock(path: Path):
    """Open ``path`` and hold an exclusive lock on it until the returned file is closed."""
    handle = open(path, "rb")  # noqa: SIM115 (closed when the run is closed)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def _is_alive(path: Path) -> bool:
    """Whether a process still writes the run whose partial manifest is ``path``."""
    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def unfinished_runs(raw_dir: Path, source: str) -> list[Run]:
    """Return the runs of a source that stopped without being closed (crash, kill), oldest
    first; runs still being written by a live process are left out."""
    runs = []
    for partial_manifest in (Path(raw_dir) / source).glob("*.manifest.json.partial"):
        if partial_manifest.with_suffix("").exists() or _is_alive(partial_manifest):
            continue
        try:
            runs.append(msgspec.json.decode(partial_manifest.read_bytes(), type=Run))
        except msgspec.DecodeError:
            continue  # died while writing its first bytes: nothing to salvage
    return sorted(runs, key=lambda run: run.started_at)


def salvage_run(raw_dir: Path, run: Run) -> Path:
    """Seal a run that was never closed, keeping every line written before it stopped.

    The lines that can be read are compressed again into the run file (a kill can leave half
    a compressed block at the end); the run is marked "interrupted" so that ``--resume`` can
    finish it. Returns the manifest path.
    """
    path, manifest_path = run_paths(raw_dir, run.source, run.run_id)
    partial_file = _partial(path)
    salvaged = path.with_name(path.name + ".salvaged")
    counts: Counter[str] = Counter()
    with gzip.open(salvaged, "wb") as out:
        try:
            for _, line in iter_lines(partial_file):
                try:
                    kind = msgspec.json.decode(line, type=_Tagged).type
                except msgspec.DecodeError:
                    continue  # the line the kill cut in half
                out.write(line + b"\n")
                counts[kind + "s"] += 1
        except RawRunError:
            pass  # the damaged tail is what the kill interrupted
    os.replace(salvaged, partial_file)
    run.status = "interrupted"
    run.counts = dict(sorted(counts.items()))
    run.incidents.append(
        RunIncident(
            kind="error",
            at=datetime.now(UTC),
            where="run",
            message=f"the collection stopped before its end; {counts.total()} lines were kept",
        )
    )
    _finish(run, partial_file, path, manifest_path)
    return manifest_path


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(manifest_path: Path) -> Run:
    """Read and validate a run manifest; raise :class:`RawRunError` if it is unreadable or
    its ``run_id`` or ``source`` is not a safe file name."""
    try:
        run = msgspec.json.decode(Path(manifest_path).read_bytes(), type=Run)
    except (OSError, msgspec.DecodeError) as error:
        raise RawRunError(
            Path(manifest_path), _("unreadable manifest ({error})").format(error=error)
        ) from None
    check_name(run.run_id, "run_id", manifest_path)
    check_name(run.source, "source", manifest_path)
    return run


def find_runs(raw_dir: Path) -> list[Path]:
    """Return the manifests of every finished run under ``raw_dir``, in the order they started.

    Manifests that cannot be read come last, so that loading them reports the problem.
    """
    readable, unreadable = [], []
    for path in Path(raw_dir).glob("*/*.manifest.json"):
        try:
            run = read_manifest(path)
        except RawRunError:
            unreadable.append(path)
            continue
        readable.append((run.started_at, run.run_id, path))
    return [path for *_, path in sorted(readable)] + sorted(unreadable)


def iter_lines(run_path: Path, expected_sha256: str | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line number, line without its newline)`` from a run file, checking its integrity.

    Raises
    ------
    RawRunError
        If the file is missing, does not match its manifest's SHA-256, or is not valid gzip.
    """
    for first_number, lines in iter_line_blocks(run_path, expected_sha256):
        yield from enumerate(lines, first_number)


def iter_line_blocks(
    run_path: Path, expected_sha256: str | None = None
) -> Iterator[tuple[int, list[bytes]]]:
    """Yield ``(number of the first line, lines without their newline)`` block by block: the
    lines of :func:`iter_lines`, for loops that must not pay a generator step per line."""
    run_path = Path(run_path)
    if not run_path.exists():
        raise RawRunError(run_path, _("file not found"))
    if expected_sha256 is not None and sha256_of(run_path) != expected_sha256:
        raise RawRunError(
            run_path, _("file does not match the SHA-256 in its manifest (corrupted)")
        )
    lines_read, pending = 0, b""
    try:
        for block in _decompressed_blocks(run_path):
            lines = (pending + block).split(b"\n")
            pending = lines.pop()
            if lines:
                yield lines_read + 1, lines
                lines_read += len(lines)
    except (EOFError, OSError, zlib.error) as error:
        raise RawRunError(
            run_path,
            _("compressed data is damaged after this line ({error})").format(error=error),
            lines_read,
        ) from None
    if pending:
        yield lines_read + 1, [pending]


def _decompressed_blocks(path: Path) -> Iterator[bytes]:
    """Decompress a gzip file block by block, yielding all that can be read before damage."""
    with open(path, "rb") as file:
        decompressor, fed = zlib.decompressobj(wbits=31), False
        for chunk in iter(lambda: file.read(_BLOCK_SIZE), b""):
            while chunk:
                fed = True
                yield decompressor.decompress(chunk)
                chunk = b""
                if decompressor.eof:  # the next gzip member, if any, starts here
                    chunk = decompressor.unused_data
                    decompressor, fed = zlib.decompressobj(wbits=31), False
        if fed and not decompressor.eof:
            raise EOFError(_("the file ends before the end of its compressed data"))


def copy_run(manifest_path: Path, raw_dir: Path) -> Path:
    """Copy a run kept elsewhere into ``raw_dir``; return the manifest path inside it.

    A run already in ``raw_dir`` is left as it is; a different run with the same id is an error.
    """
    manifest_path = Path(manifest_path)
    run = read_manifest(manifest_path)
    source_file = manifest_path.with_name(f"{run.run_id}.jsonl.gz")
    target_file, target_manifest = run_paths(raw_dir, run.source, run.run_id)
    if target_manifest.resolve() == manifest_path.resolve():
        return target_manifest
    for source, target in ((source_file, target_file), (manifest_path, target_manifest)):
        if not source.exists():
            raise RawRunError(source, _("file not found"))
        if target.exists():
            if target.read_bytes() != source.read_bytes():
                raise RawRunError(
                    source,
                    _("a different run with the same id is in {folder}").format(folder=raw_dir),
                )
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(source, partial)
        os.replace(partial, target)
        target.chmod(SEALED_MODE)
    return target_manifest
