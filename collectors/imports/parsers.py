"""Imported rows into records: every import format's row parser, behind one entry point.

Each row of an imported file is stored as a payload of its own (``method="FILE"``) whose
parameters say how to read it: the format, the line, the columns and delimiter of a CSV,
the mapping itself (so ``essaim reparse`` needs no file), the account of a one-account
export. A row that cannot be read raises a :class:`ParseError` starting with its line.
"""

from __future__ import annotations

import csv
import json
from typing import Any

from collectors.imports.mapping import Mapping, row_records
from collectors.imports.x_archive import tweet_records
from collectors.parsing import ParseContext, ParseError
from collectors.rawrun import Payload
from collectors.records import Record

__all__ = ["flatten", "parse_payload"]


def flatten(value: Any, prefix: str = "", separator: str = "|") -> dict[str, str]:
    """A JSON object as a flat row: nested keys joined by dots, lists of values by ``|``.

    >>> flatten({"id": 1, "author": {"name": "a"}, "tags": ["x", "y"]})
    {'id': '1', 'author.name': 'a', 'tags': 'x|y'}
    """
    if isinstance(value, dict):
        row: dict[str, str] = {}
        for key, inner in value.items():
            row.update(flatten(inner, f"{prefix}{key}.", separator))
        return row
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return {prefix[:-1]: separator.join("" if v is None else str(v) for v in value)}
    if isinstance(value, list):
        return {
            k: v
            for i, inner in enumerate(value)
            for k, v in flatten(inner, f"{prefix}{i}.", separator).items()
        }
    return {prefix[:-1]: "" if value is None else str(value)}


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one imported row."""
    note = payload.params
    text = payload.content().decode("utf-8", "replace")
    try:
        if note["format"] == "x-archive":
            return tweet_records(text, note["account"], context)
        mapping = Mapping.from_note(note["mapping"])
        if note.get("delimiter") is None:  # NDJSON
            try:
                item = json.loads(text)
            except ValueError as error:
                raise ParseError(f"not JSON ({error.args[0]})") from None
            if not isinstance(item, dict):
                raise ParseError("not a JSON object")
            row = flatten(item, separator=mapping.list_separator)
        else:
            row = _csv_row(text, note["columns"], note["delimiter"])
        return row_records(row, mapping, context, note.get("account"))
    except RecursionError:
        raise ParseError(f"line {note.get('line', '?')}: nested too deeply to be read") from None
    except ParseError as error:
        raise ParseError(f"line {note.get('line', '?')}: {error}") from None
    except KeyError as error:
        raise ParseError(
            f"payload {payload.seq}: not an imported row (no {error.args[0]!r})"
        ) from None


def _csv_row(text: str, columns: list[str], delimiter: str) -> dict[str, str]:
    try:
        (values,) = list(csv.reader([text], delimiter=delimiter, strict=True))
    except (csv.Error, ValueError) as error:
        raise ParseError(f"not a CSV row ({error})") from None
    if len(values) != len(columns):
        raise ParseError(f"{len(values)} values where the header has {len(columns)} columns")
    return dict(zip(columns, values, strict=True))
