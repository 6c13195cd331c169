"""Mastodon payloads into records (pure functions).

Statuses are identified by their ActivityPub ``uri``, the same on every instance, so a status
read on several instances is one post. Accounts are identified by their full ``user@host``
address. Links come from the anchors of the HTML ``content`` (mentions and hashtags left out)
and from the preview ``card``; a quoting status's "RE: <url>" fallback (the element of class
``quote-inline``) is neither text nor a link share, the quote being an interaction. A boost
is a wrapper whose ``reblog`` is the original: it becomes a repost with its time.
``in_reply_to_id`` is an id of the reading instance: it becomes the parent's URI when the
parent is in the same answer (the spider asks for a reply and its parent together when it
is not, see :func:`statuses_by_id`). Authors whose profile says ``#nobot`` or ``#noindex``
are not collected at all; authors who are not ``discoverable`` keep their links but not
their text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from collectors.parsing import ParseContext, ParseError, json_answer, parse_datetime, text_params
from collectors.rawrun import Payload
from collectors.records import (
    Account,
    Community,
    Engagement,
    Follow,
    Interaction,
    OptOut,
    Post,
    Record,
    acts_of,
)

__all__ = [
    "account_address",
    "opt_outs",
    "parse_account",
    "parse_payload",
    "parse_status",
    "status_links",
    "statuses_by_id",
]

PLATFORM = "mastodon"
_STATUS_CALL = re.compile(
    r"/api/v1/statuses/[^/]+/(?P<call>context|reblogged_by|favourited_by|quotes)$"
)
_FOLLOWERS = re.compile(r"/api/v1/accounts/[^/]+/followers$")


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored Mastodon response; error responses give no records."""
    parts = urlsplit(payload.url)
    path, instance = parts.path, parts.netloc
    data = json_answer(payload)
    if data is None:
        return []
    params = text_params(payload, "status_uri", "status_id", "account")
    try:
        if "/api/v1/timelines/" in path or path.endswith("/api/v1/statuses"):
            return _statuses(_expect(data, list), context, instance)
        if path.endswith("/api/v2/search"):
            return _statuses(_expect(_expect(data, dict).get("statuses"), list), context, instance)
        if path.endswith("/api/v1/trends/links"):
            return []
        call = _STATUS_CALL.search(path)
        if call and call["call"] == "context":
            return _context(_expect(data, dict), context, instance, params)
        if call and call["call"] == "quotes":
            return _statuses(_expect(data, list), context, instance)
        if call:
            kind = "repost" if call["call"] == "reblogged_by" else "like"
            return _acts(_expect(data, list), context, instance, kind, params["status_uri"])
        if _FOLLOWERS.search(path):
            return _followers(_expect(data, list), context, instance, params["account"])
        if path.endswith("/api/v1/accounts/lookup"):  # a sharer on its home instance
            # kept even when it opts out there: the store then knows it, and forgets texts
            # collected from another instance's older view of the account
            return [parse_account(_expect(data, dict), context, instance)]
    except (ParseError, KeyError, TypeError, AttributeError) as error:
        raise ParseError(f"payload {payload.seq} ({path}): {_describe(error)}") from None
    raise ParseError(f"payload {payload.seq}: no Mastodon parser for {path!r}")


def _describe(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing {error.args[0]!r}"
    return str(error)


def _expect(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise ParseError(f"expected a JSON {'list' if kind is list else 'object'}")
    return value


def account_address(account: dict[str, Any], instance: str) -> str:
    """The ``user@host`` address of an account as an instance shows it.

    >>> account_address({"acct": "ana"}, "piaille.fr")
    'ana@piaille.fr'
    >>> account_address({"acct": "bob@framapiaf.org"}, "piaille.fr")
    'bob@framapiaf.org'
    """
    acct = account["acct"]
    return acct if "@" in acct else f"{acct}@{instance}"


def opt_outs(account: dict[str, Any]) -> list[OptOut]:
    """The opt-out signals of an account: ``#nobot`` / ``#noindex`` in its profile text or
    fields, ``discoverable: false``.

    >>> opt_outs({"note": "<p>Prof. #NoBot</p>", "discoverable": False})
    ['nobot', 'not-discoverable']
    """
    profile = " ".join(
        [account.get("note") or ""]
        + [f"{f.get('name', '')} {f.get('value', '')}" for f in account.get("fields") or []]
    ).lower()
    found: list[OptOut] = [tag for tag in ("nobot", "noindex") if f"#{tag}" in profile]
    if account.get("discoverable") is False:
        found.append("not-discoverable")
    return found


def parse_account(account: dict[str, Any], context: ParseContext, instance: str) -> Account:
    """Parse a Mastodon ``Account`` (follower counts as the instance knows them)."""
    address = account_address(account, instance)
    return Account(
        **context.provenance(PLATFORM),
        account_id=address,
        handle=address,
        display_name=account.get("display_name") or None,
        followers_count=account.get("followers_count"),
        following_count=account.get("following_count"),
        counts_observed_at=context.collected_at,
        kind="bot" if account.get("bot") else None,
        opt_out=opt_outs(account),
    )


class _Content(HTMLParser):
    """Text and outbound links of a status's HTML content; with ``quoting``, the element of
    class ``quote-inline`` (the "RE: <url>" fallback of a quote) is left out."""

    def __init__(self, quoting: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self.quoting = quoting
        self.skipped: tuple[str, int] | None = None  # the fallback's tag, open elements of it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self.skipped:
            name, depth = self.skipped
            self.skipped = (name, depth + (tag == name))
        elif self.quoting and "quote-inline" in (attributes.get("class") or "").split():
            self.skipped = (tag, 1)
        elif tag == "br":
            self.text.append("\n")
        elif tag == "p" and self.text:
            self.text.append("\n\n")
        elif tag == "a" and attributes.get("href"):
            kinds = f"{attributes.get('class') or ''} {attributes.get('rel') or ''}"
            if not re.search(r"\b(mention|hashtag|tag)\b", kinds):
                self.links.append(attributes["href"])

    def handle_endtag(self, tag: str) -> None:
        if self.skipped:
            name, depth = self.skipped
            depth -= tag == name
            self.skipped = (name, depth) if depth else None

    def handle_data(self, data: str) -> None:
        if not self.skipped:
            self.text.append(data)


def _content(status: dict[str, Any]) -> tuple[str, list[str]]:
    parser = _Content(quoting=bool(status.get("quote")))
    parser.feed(status.get("content") or "")
    parser.close()
    return "".join(parser.text).strip(), parser.links


def status_links(status: dict[str, Any]) -> list[str]:
    """Every outbound link of a status: content anchors, then the preview card; a quote's
    "RE: <url>" fallback is not one.

    >>> status_links({"content": '<p><a href="https://e-inspe.fr/x">e-inspe.fr/x</a> '
    ...               '<a href="https://m.s/tags/inspe" class="mention hashtag">#inspe</a></p>',
    ...               "card": {"url": "https://e-inspe.fr/y"}})
    ['https://e-inspe.fr/x', 'https://e-inspe.fr/y']
    >>> status_links({"content": '<p class="quote-inline">RE: <a href="https://m.s/@a/1">'
    ...               'm.s/@a/1</a></p><p>Oui</p>', "quote": {"state": "accepted"}})
    []
    """
    _, links = _content(status)
    card = (status.get("card") or {}).get("url")
    return list(dict.fromkeys([*links, *([card] if card else [])]))


def statuses_by_id(statuses: list[Any]) -> dict[str, str]:
    """The URIs of the statuses of one answer, boosted ones included, by their local id: what
    turns an ``in_reply_to_id`` of that answer into its parent's URI.

    >>> statuses_by_id([{"id": "2", "uri": "u2", "reblog": {"id": "1", "uri": "u1"}}])
    {'2': 'u2', '1': 'u1'}
    """
    found: dict[str, str] = {}
    for status in statuses:
        for one in (status, status.get("reblog")) if isinstance(status, dict) else ():
            if isinstance(one, dict) and all(isinstance(one.get(k), str) for k in ("id", "uri")):
                found[one["id"]] = one["uri"]
    return found


def parse_status(
    status: dict[str, Any],
    context: ParseContext,
    instance: str,
    replied: dict[str, str] | None = None,
) -> list[Record]:
    """Parse a ``Status`` (a boost wrapper, a quote, a reply) into records.

    ``replied`` maps the instance's status ids to URIs, to resolve ``in_reply_to_id``.
    """
    provenance = context.provenance(PLATFORM)
    if status.get("reblog"):
        original = parse_status(status["reblog"], context, instance, replied)
        booster = status["account"]
        if {"nobot", "noindex"} & set(opt_outs(booster)):
            return original
        return [
            *original,
            parse_account(booster, context, instance),
            Interaction(
                **provenance,
                kind="repost",
                actor_id=account_address(booster, instance),
                target_post_id=status["reblog"]["uri"],
                created_at=parse_datetime(status.get("created_at")),
            ),
        ]
    account = parse_account(status["account"], context, instance)
    if {"nobot", "noindex"} & set(account.opt_out):
        return []
    text, _ = _content(status)
    quoted = _quoted(status, context)
    quote_of = quoted["uri"] if quoted else None
    parent = status.get("in_reply_to_id")
    reply_to = (replied or {}).get(parent) if isinstance(parent, str) else None
    created_at = parse_datetime(status.get("created_at"))
    post = Post(
        **provenance,
        post_id=status["uri"],
        url=status.get("url") or status["uri"],
        author_id=account.account_id,
        created_at=created_at,
        text=None if account.opt_out else text,
        language=status.get("language"),
        links=status_links(status),
        reply_to=reply_to,
        quote_of=quote_of,
        engagement=Engagement(
            observed_at=context.collected_at,
            likes=status.get("favourites_count"),
            reposts=status.get("reblogs_count"),
            replies=status.get("replies_count"),
            quotes=status.get("quotes_count"),
        ),
        community=Community(
            instance=instance,
            hashtags=list(dict.fromkeys(t["name"].lower() for t in status.get("tags") or [])),
        ),
    )
    records: list[Record] = [post, account, *acts_of(post)]
    if quote_of:
        records.extend(parse_status(quoted, context, instance, replied))
    return records


def _quoted(status: dict[str, Any], context: ParseContext) -> dict[str, Any] | None:
    """The status a status quotes (4.4+ ``quote.quoted_status``); None for none (a pending
    or revoked quote, a nested quote given by id) or one of unknown shape (counted)."""
    quote = status.get("quote")
    quoted = quote.get("quoted_status") if isinstance(quote, dict) else None
    if quote is None or (isinstance(quote, dict) and quoted is None):
        return None
    if isinstance(quoted, dict) and isinstance(quoted.get("account"), dict) and "uri" in quoted:
        return quoted
    context.ignore("Mastodon quotes of unknown shape")
    return None


def _statuses(statuses: list[Any], context: ParseContext, instance: str) -> list[Record]:
    replied = statuses_by_id(statuses)
    records: list[Record] = []
    for status in statuses:
        records.extend(parse_status(_expect(status, dict), context, instance, replied))
    return records


def _context(data, context, instance, params) -> list[Record]:
    """``/statuses/:id/context``: ancestors and descendants, replies resolved by id."""
    thread = [*_expect(data["ancestors"], list), *_expect(data["descendants"], list)]
    replied = {**statuses_by_id(thread), params["status_id"]: params["status_uri"]}
    records: list[Record] = []
    for status in thread:
        records.extend(parse_status(status, context, instance, replied))
    return records


def _acts(accounts, context, instance, kind, target) -> list[Record]:
    """``reblogged_by`` / ``favourited_by``: accounts, and a repost or like each (no time)."""
    records: list[Record] = []
    for account in accounts:
        parsed = parse_account(account, context, instance)
        if {"nobot", "noindex"} & set(parsed.opt_out):
            continue
        records.append(parsed)
        records.append(
            Interaction(
                **context.provenance(PLATFORM),
                kind=kind,
                actor_id=parsed.account_id,
                target_post_id=target,
            )
        )
    return records


def _followers(accounts, context, instance, followee) -> list[Record]:
    return [
        Follow(
            **context.provenance(PLATFORM),
            follower_id=account_address(account, instance),
            followee_id=followee,
        )
        for account in accounts
    ]
