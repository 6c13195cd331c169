"""The data contract: every source maps what it collects to these records.

Records are ``msgspec`` structs so that they are typed, validated when decoded and cheap to
write as JSON lines. Every time is an aware ``datetime``; decoders accept any offset and
records convert it to UTC. Unknown fields are rejected, so a record written by a newer essaim
fails loudly instead of silently losing data.

Examples
--------
>>> from datetime import datetime, UTC
>>> post = Post(source="bluesky", run_id="r1", collected_at=datetime(2026, 9, 1, tzinfo=UTC),
...             platform="bluesky", post_id="at://did:plc:a/app.bsky.feed.post/1",
...             author_id="did:plc:a", links=["https://www.e-inspe.fr/"])
>>> decode_record(encode_record(post)) == post
True
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Literal

import msgspec

__all__ = [
    "RECORD_TYPES",
    "Account",
    "Community",
    "Engagement",
    "Follow",
    "Interaction",
    "Post",
    "Record",
    "Run",
    "RunIncident",
    "Usage",
    "acts_of",
    "decode_record",
    "encode_record",
]

#: An aware datetime; converted to UTC by the records that hold it.
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
#: A count that cannot be negative.
Count = Annotated[int, msgspec.Meta(ge=0)]

#: What an account declares itself to be, when the platform says so.
AccountKind = Literal["person", "institution", "bot"]
#: Ways an account signals it does not want to be collected or indexed.
OptOut = Literal["nobot", "noindex", "no-unauthenticated", "not-discoverable", "robots"]
#: How a run ended.
RunStatus = Literal["complete", "incomplete", "interrupted"]
#: Kinds of interaction between an account and a post.
InteractionKind = Literal["repost", "quote", "reply", "like", "forward", "mention", "click"]
#: What a usage count counts: course views, enrolments and completions (learning platform),
#: visits (web analytics), and a newsletter's recipients, opens and link clicks.
UsageKind = Literal["view", "enrolment", "completion", "visit", "recipient", "open", "click"]


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is UTC:
        return value
    return value.astimezone(UTC)


class Record(
    msgspec.Struct, kw_only=True, tag_field="type", forbid_unknown_fields=True, omit_defaults=True
):
    """Provenance shared by every record."""

    source: str  # the collector or importer that produced the record, e.g. "bluesky", "import-x"
    run_id: str  # the raw run the record was parsed from
    collected_at: AwareDatetime  # when the payload holding it was received (UTC)

    _times: ClassVar[tuple[str, ...]] = ("collected_at",)  # fields converted to UTC

    def __post_init__(self) -> None:  # runs for every record decoded: kept lean
        for name in self._times:
            value = getattr(self, name)
            if value is not None and value.tzinfo is not UTC:
                setattr(self, name, value.astimezone(UTC))


class Engagement(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Engagement counts as the platform reported them at one moment."""

    observed_at: AwareDatetime  # when these counts were read (UTC); newer counts replace older
    likes: Count | None = None  # likes / favourites
    reposts: Count | None = None  # reposts / boosts / retweets / shares / forwards
    replies: Count | None = None  # direct replies or comments
    quotes: Count | None = None  # quote posts
    views: Count | None = None  # views or impressions, where the platform publishes them
    clicks: Count | None = None  # link clicks (Discourse link_counts, page analytics)

    def __post_init__(self) -> None:
        self.observed_at = _utc(self.observed_at)


class Community(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Where a post was published: the community context it lives in."""

    forum: str | None = None  # forum host, e.g. "www.neoprofs.org"
    board: str | None = None  # board or category inside the forum
    subreddit: str | None = None  # subreddit name without "r/"
    channel: str | None = None  # Telegram or YouTube channel
    instance: str | None = None  # Mastodon instance host the post was read from
    hashtags: list[str] = []  # hashtags without "#", lower-cased


class Post(Record, tag="post", kw_only=True):
    """A message published on a platform: post, status, forum message, web page, video."""

    _times: ClassVar[tuple[str, ...]] = ("collected_at", "created_at")

    platform: str  # "bluesky", "mastodon", "reddit", "telegram", "discourse", "forum", "web", …
    post_id: str  # the platform's own id (AT-URI, status URI, message URL…), unique per platform
    url: str | None = None  # public URL of the post
    author_id: str  # platform account id of the author (DID, account URI, forum username…)
    created_at: AwareDatetime | None = None  # publication time (UTC), as declared by the platform
    text: str | None = None  # text content; None when dropped by the privacy setting
    language: str | None = None  # BCP-47 language tag when known, e.g. "fr"
    links: list[str] = []  # every outbound URL, exactly as found (facets, embeds, anchors)
    reply_to: str | None = None  # post_id of the post this one replies to
    quote_of: str | None = None  # post_id of the post this one quotes
    repost_of: str | None = None  # post_id of the original, when this post is a plain reshare
    engagement: Engagement | None = None  # counts and when they were observed
    # forum, board, subreddit, channel, instance, hashtags
    community: Community = msgspec.field(default_factory=Community)


class Account(Record, tag="account", kw_only=True):
    """An account (person, institution or bot) on one platform."""

    _times: ClassVar[tuple[str, ...]] = ("collected_at", "counts_observed_at")

    platform: str  # platform of the account
    account_id: str  # the platform's stable id (DID, account URI, username on forums)
    handle: str | None = None  # handle / username at collection time, without "@"
    display_name: str | None = None  # display name at collection time
    followers_count: Count | None = None  # followers, as reported by the platform
    following_count: Count | None = None  # accounts followed, as reported by the platform
    counts_observed_at: AwareDatetime | None = None  # when the two counts were read (UTC)
    kind: AccountKind | None = None  # only when the platform declares it (bot flag, org page)
    opt_out: list[OptOut] | None = None  # opt-out signals seen on the account; None: the
    # source cannot see them (a live stream without labels), which never clears those known


class Interaction(Record, tag="interaction", kw_only=True):
    """Who reshared, quoted, replied to, liked, forwarded or mentioned what, and when."""

    _times: ClassVar[tuple[str, ...]] = ("collected_at", "created_at")

    platform: str  # platform of the interaction
    kind: InteractionKind  # what the actor did to the target
    actor_id: str  # account id of the account that acted
    target_post_id: str  # post_id of the post acted upon
    post_id: str | None = None  # post_id of the post embodying the act (the quote, the reply)
    created_at: AwareDatetime | None = None  # when the act happened (UTC), if the platform says
    via: str | None = None  # post_id of the reshare through which the actor reached the target,
    # when the platform states it (Bluesky's ``via`` on reposts and likes of a repost)
    via_actor_id: str | None = None  # account id of the account whose reshare ``via`` names


class Follow(Record, tag="follow", kw_only=True):
    """A follow edge seen at collection time (the observed time is ``collected_at``)."""

    platform: str  # platform of both accounts
    follower_id: str  # account id of the follower
    followee_id: str  # account id of the account followed


class Usage(Record, tag="usage", kw_only=True):
    """What happened after a share: one day's count of one kind of use (imports of learning
    platform logs, web analytics, newsletter reports). With ``--keep-events`` a record is one
    event instead: ``learner`` and ``occurred_at`` are set and ``count`` is 1."""

    _times: ClassVar[tuple[str, ...]] = ("collected_at", "occurred_at")

    site: str  # where the use happened: the Moodle or analytics host, or "brevo", "mailchimp"
    day: date  # the day counted, in the site's time zone (Europe/Paris unless told otherwise)
    kind: UsageKind  # what is counted
    count: Count  # how many that day
    course_id: str | None = None  # the learning platform's course id (``course/view.php?id=``)
    url: str | None = None  # the page visited or the link clicked, as the source wrote it
    # how people came: "social:<network>", "campaign:<code>", "newsletter:<campaign id>",
    # "search", "direct", "website", "social" or "campaign" (naming neither); None: unsaid
    channel: str | None = None
    event: str | None = None  # the source's own name for it (Moodle event, analytics metric)
    learners: Count | None = None  # distinct learners behind ``count``, when the source says
    learner: str | None = None  # with --keep-events only: the learner's pseudonym, never a name
    occurred_at: AwareDatetime | None = None  # an event's time (UTC); a newsletter's sending time
    title: str | None = None  # a newsletter campaign's name


class RunIncident(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Something that went wrong, or slowed a run down, during a collection."""

    # what happened; "ignored": parts of records of unknown shape left out; "note": a fact
    # about the run worth knowing that is no error (an empty feed, an old instance)
    kind: Literal["error", "rate-limit", "failed-page", "ignored", "note"]
    at: AwareDatetime  # when it happened (UTC)
    where: str  # URL, endpoint or payload sequence number concerned
    message: str  # one sentence saying what happened
    wait_seconds: float | None = None  # for rate limits: how long the collector waited


class Run(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One collection or import: what was asked, when, and what came back (the manifest)."""

    run_id: str  # unique id: "<source>-<UTC start, compact>-<random>"
    source: str  # collector or importer name
    query: str  # the query in words, e.g. "domain:e-inspe.fr" or a file name
    parameters: dict[str, Any] = {}  # every option of the run, credentials excluded
    started_at: AwareDatetime  # start of the run (UTC)
    finished_at: AwareDatetime | None = None  # end of the run (UTC); None if it never finished
    window_start: AwareDatetime | None = None  # start of the period the data covers, if bounded
    window_end: AwareDatetime | None = None  # end of the period the data covers, if bounded
    counts: dict[str, Count] = {}  # payloads and records written, by type
    incidents: list[RunIncident] = []  # errors, rate-limit waits and failed pages
    essaim_version: str  # version of essaim that collected the run
    reparse_of: str | None = None  # run whose payloads were re-parsed to make this one
    resumes: str | None = None  # interrupted or incomplete run this one finished (replaces it)
    # "complete"; "incomplete" when pages failed for good (listed in incidents); "interrupted"
    # when stopped (Ctrl-C, crash, kill) before the end. Both can be finished with --resume.
    status: RunStatus = "complete"
    file_sha256: str | None = None  # SHA-256 of the run's .jsonl.gz, written when it is closed
    erased_lines: int = 0  # lines removed since by erasure requests (``essaim forget``)

    def __post_init__(self) -> None:
        for name in ("started_at", "finished_at", "window_start", "window_end"):
            setattr(self, name, _utc(getattr(self, name)))


def acts_of(post: Post, repost: InteractionKind = "repost") -> list[Interaction]:
    """The interactions a post embodies, by its author at its time: a reply to its
    ``reply_to``, a quote of its ``quote_of``, a ``repost`` (a Telegram "forward"…) of its
    ``repost_of``. A post never acts on itself.

    >>> from datetime import datetime, UTC
    >>> at = datetime(2026, 9, 1, tzinfo=UTC)
    >>> reply = Post(source="forum", run_id="r", collected_at=at, platform="forum",
    ...              post_id="f/p2", author_id="bob@f", reply_to="f/p1", created_at=at)
    >>> [(a.kind, a.actor_id, a.target_post_id, a.post_id) for a in acts_of(reply)]
    [('reply', 'bob@f', 'f/p1', 'f/p2')]
    """
    targets = (("reply", post.reply_to), ("quote", post.quote_of), (repost, post.repost_of))
    return [
        Interaction(
            source=post.source,
            run_id=post.run_id,
            collected_at=post.collected_at,
            platform=post.platform,
            kind=kind,
            actor_id=post.author_id,
            target_post_id=target,
            post_id=post.post_id,
            created_at=post.created_at,
        )
        for kind, target in targets
        if target and target != post.post_id
    ]


#: Record classes by their ``type`` tag.
RECORD_TYPES: dict[str, type[Record]] = {
    cls.__struct_config__.tag: cls for cls in (Post, Account, Interaction, Follow, Usage)
}

_encoder = msgspec.json.Encoder()
_SURROGATE = re.compile("[\ud800-\udfff]")


def encode_record(record: Record) -> bytes:
    """Encode a record as one JSON object (no trailing newline). A lone surrogate, which a
    lenient JSON parser may give for ``"\\ud800"`` and UTF-8 cannot hold, becomes U+FFFD."""
    try:
        return _encoder.encode(record)
    except UnicodeEncodeError:
        return _encoder.encode(_without_surrogates(msgspec.to_builtins(record)))


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    return value


#: Decode one JSON object (bytes or str) into its record class; raises
#: ``msgspec.ValidationError`` (the decoder's own method: the loader calls it for every line).
decode_record = msgspec.json.Decoder(Post | Account | Interaction | Follow | Usage).decode
