"""What an identifier is, for every stored value that could name someone.

An identifier is anything that names an account on a platform:

- a **mention**: an at sign in any of its Unicode forms (``@``, fullwidth ``＠``, small ``﹫``:
  every character whose NFKC form holds ``@``) followed by a name in any script (letters,
  marks, digits, connectors such as ``_``, dashes and dots in any width, invisible format
  characters), optionally ``@host``; an e-mail address is one too, its local part included;
- a **DID** (``did:plc:…``, ``did:web:…``, percent-encoded or not);
- a **profile link**: ``bsky.app/profile/<who>``, ``t.me/<channel>``, ``x.com/<who>``,
  ``twitter.com/<who>``, ``x.com/intent/…?screen_name=<who>``, ``youtube.com/@<who>``,
  ``reddit.com/u/<who>``, ``reddit.com/r/u_<who>``, ``linkedin.com/in/<who>``, a LinkedIn
  post (``linkedin.com/posts/<who>_…``), Facebook, Instagram, Threads, TikTok, Medium,
  and on any host ``/@<who>``, ``/users/<who>`` (Mastodon) and ``/u/<who>`` (Discourse),
  with or without a scheme;
- a **community that is an account**: a Telegram or YouTube channel, a Reddit user's own
  subreddit (``u_<who>``);
- an **account named by a run's options**: a channel to read, the account an import is of,
  any ``actor``, ``handle``, ``user``… parameter.

The patterns are RE2 (DuckDB's regular expressions): the store applies them in SQL, and the
few values handled in Python (a run's query and options, its incidents, the parts of profile
links) go through the same SQL expressions (:mod:`graph.store.masking`), so that both agree.
What replaces an identifier: in texts (excerpts, run queries and options, incidents) a mask,
``@…``, ``did:…`` or ``<profile prefix>…``; in stored values that must stay distinct the
keyed pseudonym of the account (:mod:`graph.privacy.pseudonyms`) unless it is an allow-listed
institution: channels and the accounts run options name, and in a profile link the part
naming the account, the rest of its path becoming a keyed digest (a post's id can lead to
its author).

Examples
--------
>>> profile_account("https://piaille.fr/@", "Alice")
('mastodon', 'Alice@piaille.fr')
>>> profile_account("x.com/", "search") is None  # a page of the site, not an account
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "ACCOUNT_PARAMETERS",
    "AT_SIGNS",
    "DID",
    "LOCATOR_RULES",
    "MENTION",
    "PROFILE_LINK",
    "PROFILE_TEXT",
    "TEXT_RULES",
    "account_key",
    "account_values",
    "is_pseudonym",
    "profile_account",
    "replace_accounts",
    "run_platform",
]

#: Every character whose NFKC form holds "@" (checked against Unicode by the tests).
AT_SIGNS = "@\ufe6b\uff20"
_AT = "[@\\x{FE6B}\\x{FF20}]"
# A name: letters of any script and width, marks, digits, connectors (_ in any width),
# invisible format characters (zero-width joiners, bidi marks); inside, dashes and dots of
# any width too (it never ends with a dot, so "@alice." keeps its full stop).
_NAME_CHAR = r"\pL\pM\pN\p{Pc}\p{Cf}"
_INNER = _NAME_CHAR + r"\p{Pd}.\x{2024}\x{FE52}\x{FF0E}"
_NAME = f"[{_NAME_CHAR}](?:[{_INNER}]*[{_NAME_CHAR}])?"
#: A mention or an e-mail address (its local part with it): replaced by "@…".
MENTION = f"[{_INNER}+]*{_AT}{_NAME}(?:{_AT}{_NAME})?"
#: A decentralised identifier, percent-encoded or not: replaced by "did:…".
DID = r"(?i)did(?::|%3a)[a-z0-9]+(?::|%3a)(?:[a-z0-9._-]|%[0-9a-f]{2})+"
_KNOWN_PROFILES = "|".join(
    [
        r"bsky\.app/profile/",
        r"(?:t|telegram)\.me/(?:s/)?",
        r"(?:x|twitter)\.com/intent/[a-z_]+\?(?:[^#\s]*&)?screen_name=",
        r"(?:x|twitter)\.com/",
        r"youtube\.com/(?:@|c/|channel/|user/)",
        r"reddit\.com/(?:u/|user/|r/u_)",
        r"linkedin\.com/(?:in|posts)/",
        r"(?:facebook|instagram|threads)\.(?:com|net)/@?",
        r"(?:tiktok|medium)\.com/@",
    ]
)
_SCHEME = r"(?:https?://)?"
_HOST = r"(?:[a-z0-9-]+\.)+[a-z]{2,}(?::[0-9]+)?"
_PREFIX = (
    rf"(\b{_SCHEME}(?:[a-z0-9-]+\.)*(?:{_KNOWN_PROFILES})"
    rf"|\b{_SCHEME}{_HOST}/(?:@|users/|u/))"
)
_URL_CHAR = r"[^\s\x{A0}<>\x22\x27()\[\]{}"
_WHO = rf"({_URL_CHAR}/?#&]+)"
#: A profile link in a text, to its end: replaced by its prefix and "…".
PROFILE_TEXT = f"(?i){_PREFIX}{_WHO}{_URL_CHAR}]*"
#: A whole value that is a profile link: groups prefix, who, rest.
PROFILE_LINK = f"(?i)^{_PREFIX}{_WHO}(.*)$"
#: The replacements of texts, in order (profile links first: they may hold "@" and DIDs).
TEXT_RULES = ((PROFILE_TEXT, "\\1…"), (DID, "did:…"), (MENTION, "@…"))
#: What else identifies in the location of an incident (a request URL, an API path): query
#: values (uri=, actor=, videoId=…), long numbers (status and account ids) and Reddit ids.
LOCATOR_RULES = (
    ("([?&][^=&#\\s]+=)[^&#\\s]+", "\\1…"),
    ("[0-9]{6,}", "…"),
    ("(/comments/)[^/?#\\s]+", "\\1…"),
)

#: Platforms of profile links on known hosts (subdomains such as www. or mobile. aside).
_PROFILE_HOSTS = {
    "bsky.app": "bluesky", "t.me": "telegram", "telegram.me": "telegram", "x.com": "x",
    "twitter.com": "x", "youtube.com": "youtube", "reddit.com": "reddit",
    "linkedin.com": "linkedin", "facebook.com": "facebook", "instagram.com": "instagram",
    "threads.net": "threads", "threads.com": "threads", "tiktok.com": "tiktok",
    "medium.com": "medium",
}  # fmt: skip
#: Pages of those sites that are not accounts (compared in lower case).
_NOT_ACCOUNTS = {
    "x": {"i", "home", "search", "hashtag", "explore", "intent", "share", "settings",
          "messages", "notifications", "compose", "login", "signup", "tos", "privacy",
          "about", "account", "download", "jobs", "who_to_follow"},
    "telegram": {"s", "joinchat", "addstickers", "addemoji", "addlist", "share", "iv", "proxy",
                 "socks", "c", "login", "setlanguage", "contact"},
    "facebook": {"sharer", "sharer.php", "share", "share.php", "groups", "events", "watch",
                 "hashtag", "pages", "photo", "photo.php", "story.php", "permalink.php",
                 "login", "dialog", "plugins", "help", "policies", "privacy", "marketplace",
                 "gaming", "reel", "reels", "tr"},
    "instagram": {"p", "reel", "reels", "explore", "stories", "tv", "accounts", "direct",
                  "about", "legal"},
    "threads": {"t", "search", "login"},
}  # fmt: skip
#: Platforms whose account ids are lower case (Telegram channels, Bluesky handles and DIDs).
_LOWER_CASE = {"bluesky", "telegram"}
#: Parameters of a run (at any depth) whose values name accounts.
ACCOUNT_PARAMETERS = frozenset(
    {"account", "accounts", "actor", "actors", "author", "authors", "channel", "channels",
     "handle", "handles", "user", "users", "username", "usernames", "member", "members"}
)  # fmt: skip
#: The platform of the accounts a source's options name, when its records do not tell.
_SOURCE_PLATFORMS = {"import-x-archive": "x", "import-minet": "x", "import-linkedin": "linkedin"}
_PSEUDONYM = re.compile(r"[up]_[0-9a-f]{20}")


def is_pseudonym(value: str) -> bool:
    """Tell whether ``value`` is a pseudonym (``u_`` or ``p_`` and 20 hex digits)."""
    return _PSEUDONYM.fullmatch(value) is not None


def account_key(platform: str, value: str) -> str:
    """The account id a name given by hand stands for: without "@", in lower case on the
    platforms whose ids are (Telegram channels, Bluesky)."""
    value = value.strip().lstrip(AT_SIGNS)
    return value.lower() if platform in _LOWER_CASE else value


def profile_account(prefix: str, who: str) -> tuple[str, str] | None:
    """The ``(platform, account id)`` a profile link names (its prefix and identifying part,
    as :data:`PROFILE_LINK` cuts it), or None when the part is a page of the site."""
    address = re.sub(r"^[a-z]+://", "", prefix.lower())
    host, _, path = address.partition("/")
    host = host.split(":")[0]
    platform = next(
        (
            name
            for known, name in _PROFILE_HOSTS.items()
            if host == known or host.endswith("." + known)
        ),
        None,
    )
    if platform is None:  # /@who, /users/who: Mastodon; /u/who: Discourse
        platform = "discourse" if path == "u/" else "mastodon"
        user = who.lstrip("@")
        return platform, user if "@" in user else f"{user}@{host}"
    if who.lower() in _NOT_ACCOUNTS.get(platform, ()) or who.startswith("+"):
        return None
    if platform == "linkedin":  # a member's name has no "_": a post is <member>_<words>…
        who = who.partition("_")[0]
    return platform, account_key(platform, who)


def account_values(parameters: Any) -> list[str]:
    """The strings a run's options give under account parameters (:data:`ACCOUNT_PARAMETERS`),
    at any depth."""
    found: list[str] = []
    if isinstance(parameters, Mapping):
        for key, value in parameters.items():
            if str(key).lower() in ACCOUNT_PARAMETERS:
                found += [v for v in (value if isinstance(value, list) else [value])
                          if isinstance(v, str) and v.strip()]  # fmt: skip
            else:
                found += account_values(value)
    elif isinstance(parameters, list):
        for value in parameters:
            found += account_values(value)
    return found


def run_platform(source: str, parameters: Mapping[str, Any], platforms: Iterable[str]) -> str:
    """The platform of the accounts a run's options name: the run's only platform, else the
    source's, else its ``platform`` option, else the source's name."""
    platforms = set(platforms)
    if len(platforms) == 1:
        return platforms.pop()
    given = parameters.get("platform") if isinstance(parameters, Mapping) else None
    return _SOURCE_PLATFORMS.get(source) or (given if isinstance(given, str) else None) or source


def replace_accounts(
    values: Iterable[Any], stored: Mapping[str, str], mask: Callable[[list], list]
) -> list[Any]:
    """Replace in every string of ``values`` (JSON-like: strings, lists, dicts) each name of
    ``stored`` found whole (compared case-insensitively, longest first) by what the store
    keeps of it, then mask the remaining identifiers with ``mask``."""
    values = list(values)
    by_lower = {name.lower(): kept for name, kept in stored.items()}
    names = sorted(by_lower, key=len, reverse=True)
    whole = "|".join(map(re.escape, names))  # a name is not a part of a longer word
    pattern = re.compile(rf"(?<!\w)(?:{whole})(?!\w)", re.I) if names else None
    strings: list[str] = []

    def collect(value: Any) -> Any:
        if isinstance(value, str):
            if pattern is not None:
                value = pattern.sub(lambda found: by_lower[found[0].lower()], value)
            strings.append(value)
            return len(strings) - 1
        if isinstance(value, Mapping):
            return {key: collect(item) for key, item in value.items()}
        if isinstance(value, list):
            return [collect(item) for item in value]
        return value

    shapes = [collect(value) for value in values]
    masked = mask(strings)

    def fill(shape: Any, original: Any) -> Any:
        if isinstance(original, str):
            return masked[shape]
        if isinstance(original, Mapping):
            return {key: fill(shape[key], item) for key, item in original.items()}
        if isinstance(original, list):
            return [fill(s, item) for s, item in zip(shape, original, strict=True)]
        return original

    return [fill(shape, value) for shape, value in zip(shapes, values, strict=True)]
