"""Reading export files row by row, keeping each row's text exactly as it is in the file.

Every reader yields :class:`Row` items: the line the row starts on and its text as written
(what the raw run keeps). A text export is decoded once (:func:`decode_export`) and read
from that text.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from collectors.errors import UserError
from collectors.speech import _

__all__ = [
    "ImportFileError",
    "Row",
    "csv_layout",
    "csv_rows",
    "decode_export",
    "json_lines",
    "x_archive_account",
    "x_archive_tweets",
]

_SAMPLE = 64 * 1024
#: The most an archive may inflate to, all the members read together (bytes).
ARCHIVE_LIMIT = 256 << 20


class ImportFileError(UserError, ValueError):
    """A file that cannot be read at all; the message names it and says why."""


@dataclass
class Row:
    line: int  # the line of the file the row starts on (1 = the first line)
    text: str  # the row as written in the file


def decode_export(data: bytes, path: Path) -> str:
    """The text of an export (the bytes of ``path``): UTF-8 with or without BOM, else
    Windows-1252 (Excel's)."""
    if b"\x00" in data[:_SAMPLE]:
        raise ImportFileError(
            _("{path}: this is a binary file, not a text export").format(path=path)
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def csv_layout(text: str, path: Path) -> tuple[list[str], str]:
    """The columns and the delimiter of a CSV export's text (comma, semicolon or tab)."""
    first = text[:_SAMPLE].split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    header = next(csv.reader([first], delimiter=delimiter), [])
    columns = [name.strip() for name in header]
    if len([c for c in columns if c]) < 2:
        raise ImportFileError(
            _("{path}: the first line is not a header of columns").format(path=path)
        )
    return columns, delimiter


def csv_rows(text: str) -> Iterator[Row]:
    """The data rows of a CSV export's text after its header, each as written."""
    lines = io.StringIO(text, newline="")
    lines.readline()  # the header
    line = 2
    while True:
        start, text = line, lines.readline()
        if not text:
            return
        while text.count('"') % 2 and (more := lines.readline()):
            text += more  # a quoted value holding line breaks
        line = start + text.count("\n")
        if text.strip():
            yield Row(start, text.rstrip("\r\n"))


def json_lines(text: str) -> Iterator[Row]:
    """The lines of an NDJSON export's text (one JSON object per line)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield Row(number, line)


def x_archive_tweets(path: Path) -> Iterator[Row]:
    """The tweets of an X/Twitter archive: the ``.zip`` or its ``data/tweets.js`` file.

    The archive's JavaScript (``window.YTD.tweets.part0 = [...]``) is read as JSON after
    the ``=``, never run. Each tweet's row text is its JSON; its line is its position.
    A zip may inflate to :data:`ARCHIVE_LIMIT` bytes at most.
    """
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = sorted(
                n
                for n in archive.namelist()
                if n.rsplit("/", 1)[-1].startswith("tweets") and n.endswith(".js")
            )
            if not names:
                raise ImportFileError(
                    _("{path}: no data/tweets.js in this archive").format(path=path)
                )
            budget = _Budget(path)
            scripts = [(f"{path}:{n}", budget.read(archive, n)) for n in names]
    else:
        scripts = [(str(path), decode_export(path.read_bytes(), path))]
    position = 0
    for where, script in scripts:
        start = script.find("[")
        try:
            items = json.loads(script[start:]) if start >= 0 else None
        except ValueError as error:
            raise ImportFileError(
                _("{path}: not a tweets.js file ({error})").format(path=where, error=error)
            ) from None
        except RecursionError:
            raise ImportFileError(
                _("{path}: nested too deeply to be read").format(path=where)
            ) from None
        if not isinstance(items, list):
            raise ImportFileError(
                _("{path}: not a tweets.js file (no list of tweets)").format(path=where)
            )
        for item in items:
            position += 1
            yield Row(position, json.dumps(item, ensure_ascii=False))


def x_archive_account(path: Path) -> str | None:
    """The username of an archive's owner, from its ``data/account.js`` (zip only)."""
    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.endswith("account.js")]
        if not names:
            return None
        script = _Budget(path).read(archive, names[0])
    try:
        items = json.loads(script[script.find("[") :])
        return items[0]["account"]["username"]
    except (ValueError, LookupError, TypeError, RecursionError):
        return None


class _Budget:
    """Reads members of the archive ``path``, together at most :data:`ARCHIVE_LIMIT` bytes
    once inflated."""

    def __init__(self, path: Path):
        self.path, self.left = path, ARCHIVE_LIMIT

    def read(self, archive: zipfile.ZipFile, name: str) -> str:
        """The text of the member ``name``; :class:`ImportFileError` past the limit (as the
        archive declares it, and as it inflates) or when the member is damaged."""
        declared = archive.getinfo(name).file_size
        try:
            with archive.open(name) as member:  # read no further than the limit
                data = member.read(self.left + 1) if declared <= self.left else b""
            if declared > self.left or len(data) > self.left:
                raise ImportFileError(
                    _(
                        "{path}: inflates to more than {size} MiB, the limit for an archive "
                        "(import its data/tweets.js on its own instead)"
                    ).format(path=self.path, size=ARCHIVE_LIMIT >> 20)
                )
            self.left -= len(data)
            return data.decode("utf-8-sig")
        except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError) as error:
            raise ImportFileError(
                _("{path}:{member}: damaged archive member ({error})").format(
                    path=self.path, member=name, error=error
                )
            ) from None
