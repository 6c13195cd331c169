"""Every SQL statement of the store, in one place. Values are always bound parameters.

Tables created by migrations are named here; the staging tables (``staged_*``) are temporary
tables made from a run's lines (``STAGE_RUN``) for the duration of one transaction.
"""

from graph.privacy import identifiers
from graph.store import masking

# --- migrations --------------------------------------------------------------------------

CREATE_SCHEMA_VERSION = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
)"""
SELECT_SCHEMA_VERSION = "SELECT coalesce(max(version), 0) FROM schema_version"
INSERT_SCHEMA_VERSION = "INSERT INTO schema_version VALUES (?, ?, now())"

MIGRATION_1_CORE_TABLES = [
    """CREATE TABLE settings (
        name VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    )""",
    """CREATE TABLE runs (
        run_id VARCHAR PRIMARY KEY,
        source VARCHAR NOT NULL,
        query VARCHAR NOT NULL,
        parameters JSON,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        window_start TIMESTAMPTZ,
        window_end TIMESTAMPTZ,
        counts JSON,
        incidents JSON,
        essaim_version VARCHAR,
        reparse_of VARCHAR,
        superseded_by VARCHAR,
        file_sha256 VARCHAR NOT NULL,
        file_path VARCHAR NOT NULL,
        pseudonymised BOOLEAN NOT NULL,
        loaded_at TIMESTAMPTZ NOT NULL,
        records_loaded BIGINT NOT NULL
    )""",
    """CREATE TABLE accounts (
        platform VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        named BOOLEAN NOT NULL,
        handle VARCHAR,
        display_name VARCHAR,
        followers_count BIGINT,
        following_count BIGINT,
        counts_observed_at TIMESTAMPTZ,
        kind VARCHAR,
        opt_out VARCHAR[],
        source VARCHAR NOT NULL,
        run_id VARCHAR NOT NULL,
        collected_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE posts (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        url VARCHAR,
        author_id VARCHAR NOT NULL,
        created_at TIMESTAMPTZ,
        text VARCHAR,
        language VARCHAR,
        reply_to VARCHAR,
        quote_of VARCHAR,
        repost_of VARCHAR,
        likes BIGINT,
        reposts BIGINT,
        replies BIGINT,
        quotes BIGINT,
        views BIGINT,
        clicks BIGINT,
        counts_observed_at TIMESTAMPTZ,
        forum VARCHAR,
        board VARCHAR,
        subreddit VARCHAR,
        channel VARCHAR,
        instance VARCHAR,
        hashtags VARCHAR[],
        source VARCHAR NOT NULL,
        run_id VARCHAR NOT NULL,
        collected_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE links (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        url VARCHAR NOT NULL,
        resolved_url VARCHAR,
        url_key VARCHAR NOT NULL,
        host VARCHAR NOT NULL,
        campaign JSON,
        shortened BOOLEAN NOT NULL,
        tracked BOOLEAN NOT NULL,
        resource_id VARCHAR,
        match_reason VARCHAR,
        run_id VARCHAR NOT NULL
    )""",
    """CREATE TABLE interactions (
        platform VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        actor_id VARCHAR NOT NULL,
        target_post_id VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,  -- '' when the act has no post of its own (repost, like)
        created_at TIMESTAMPTZ,
        source VARCHAR NOT NULL,
        run_id VARCHAR NOT NULL,
        collected_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE follows (
        platform VARCHAR NOT NULL,
        follower_id VARCHAR NOT NULL,
        followee_id VARCHAR NOT NULL,
        first_observed_at TIMESTAMPTZ NOT NULL,
        last_observed_at TIMESTAMPTZ NOT NULL,
        source VARCHAR NOT NULL,
        run_id VARCHAR NOT NULL
    )""",
    """CREATE TABLE url_resolutions (
        short_url VARCHAR PRIMARY KEY,
        final_url VARCHAR,
        resolved_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE catalogue (
        resource_id VARCHAR PRIMARY KEY,
        title VARCHAR,
        parcours VARCHAR,
        level VARCHAR,
        discipline VARCHAR,
        url_patterns VARCHAR[],
        published DATE,
        illustrative BOOLEAN NOT NULL
    )""",
]

MIGRATION_2_RUN_STATUS = [
    "ALTER TABLE runs ADD COLUMN status VARCHAR NOT NULL DEFAULT 'complete'",
    "ALTER TABLE runs ADD COLUMN resumes VARCHAR",
]

MIGRATION_3_ANALYSES = [
    """CREATE TABLE analyses (
        analysis_id VARCHAR PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL,
        parameters JSON NOT NULL,
        essaim_version VARCHAR NOT NULL,
        counts JSON NOT NULL
    )""",
]

# --- settings --------------------------------------------------------------------------

SELECT_SETTING = "SELECT value FROM settings WHERE name = ?"
UPSERT_SETTING = """
INSERT INTO settings VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"""

# --- runs ------------------------------------------------------------------------------

SELECT_RUN_HASH = "SELECT file_sha256 FROM runs WHERE run_id = ?"
INSERT_RUN = """
INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, now(), ?, ?, ?, NULL)"""
SELECT_REPLACING_RUN = "SELECT run_id FROM runs WHERE reparse_of = ? OR resumes = ?"
MARK_RUN_SUPERSEDED = "UPDATE runs SET superseded_by = ? WHERE run_id = ?"
DELETE_ROWS_OF_RUN = {
    table: f"DELETE FROM {table} WHERE run_id = ?"
    for table in ("posts", "accounts", "links", "interactions", "follows", "usage")
}

# --- reading a run file -------------------------------------------------------------------
# DuckDB's JSON reader turns a validated run file into typed columns; payload lines are
# skipped. Keys are the record fields of collectors/records.py (shared names share a column:
# ``post_id`` is a post's id or the post embodying an interaction, ``kind`` an account's kind
# or an interaction's kind).

RECORD_COLUMNS = {
    "type": "VARCHAR", "source": "VARCHAR", "run_id": "VARCHAR", "collected_at": "TIMESTAMPTZ",
    "platform": "VARCHAR", "post_id": "VARCHAR", "url": "VARCHAR", "author_id": "VARCHAR",
    "created_at": "TIMESTAMPTZ", "text": "VARCHAR", "language": "VARCHAR",
    "links": "VARCHAR[]", "reply_to": "VARCHAR", "quote_of": "VARCHAR", "repost_of": "VARCHAR",
    "engagement": "STRUCT(observed_at TIMESTAMPTZ, likes BIGINT, reposts BIGINT, "
                  "replies BIGINT, quotes BIGINT, views BIGINT, clicks BIGINT)",
    "community": "STRUCT(forum VARCHAR, board VARCHAR, subreddit VARCHAR, channel VARCHAR, "
                 "instance VARCHAR, hashtags VARCHAR[])",
    "account_id": "VARCHAR", "handle": "VARCHAR", "display_name": "VARCHAR",
    "followers_count": "BIGINT", "following_count": "BIGINT",
    "counts_observed_at": "TIMESTAMPTZ", "kind": "VARCHAR", "opt_out": "VARCHAR[]",
    "actor_id": "VARCHAR", "target_post_id": "VARCHAR", "via": "VARCHAR",
    "via_actor_id": "VARCHAR",
    "follower_id": "VARCHAR", "followee_id": "VARCHAR",
    "site": "VARCHAR", "day": "DATE", "count": "BIGINT", "course_id": "VARCHAR",
    "channel": "VARCHAR", "event": "VARCHAR", "learners": "BIGINT", "learner": "VARCHAR",
    "occurred_at": "TIMESTAMPTZ", "title": "VARCHAR",
}  # fmt: skip
READ_RUN_LINES = """
CREATE OR REPLACE TEMP TABLE run_lines AS
SELECT * FROM read_json(?, format = 'newline_delimited', columns = ?, maximum_object_size = ?)
WHERE type <> 'payload'"""
#: Each line's place in the run's file (the table keeps the file's order; a later UPDATE of a
#: list or struct column moves rows, so staging orders by this column, not by ``rowid``).
NUMBER_RUN_LINES = [
    "ALTER TABLE run_lines ADD COLUMN line BIGINT",
    "UPDATE run_lines SET line = rowid",
]
# Cuts every text of the run's lines to $1 characters, in the rows holding a longer one
# (the community's texts included); answers how many rows changed.
_TEXTS = [column for column, kind in RECORD_COLUMNS.items() if kind == "VARCHAR"]
_TEXT_LISTS = [column for column, kind in RECORD_COLUMNS.items() if kind == "VARCHAR[]"]
_COMMUNITY_TEXTS = ("forum", "board", "subreddit", "channel", "instance")
_CUT_COMMUNITY = ", ".join(
    [f"{name} := left(community.{name}, $1)" for name in _COMMUNITY_TEXTS]
    + ["hashtags := list_transform(community.hashtags, lambda x: left(x, $1))"]
)
CUT_LONG_FIELDS = (
    "UPDATE run_lines SET "
    + ", ".join(
        [f"{c} = left({c}, $1)" for c in _TEXTS]
        + [f"{c} = list_transform({c}, lambda x: left(x, $1))" for c in _TEXT_LISTS]
        + [f"community = struct_pack({_CUT_COMMUNITY})"]
    )
    + " WHERE "
    + " OR ".join(
        [f"length({c}) > $1" for c in (*_TEXTS, *(f"community.{n}" for n in _COMMUNITY_TEXTS))]
        + [f"list_bool_or(list_transform({c}, lambda x: length(x) > $1))"
           for c in (*_TEXT_LISTS, "community.hashtags")]
    )
)  # fmt: skip
# The identifiers a load has mapped so far (platform id → stored id), kept for the whole load
# so that Python hashes each identifier once; the run's new identifiers are found by SQL.
CREATE_ID_MAPS = [
    """CREATE OR REPLACE TEMP TABLE account_ids (
        platform VARCHAR, raw VARCHAR, stored VARCHAR, named BOOLEAN)""",
    "CREATE OR REPLACE TEMP TABLE post_ids (platform VARCHAR, raw VARCHAR, stored VARCHAR)",
]
DROP_ID_MAPS = ["DROP TABLE IF EXISTS account_ids", "DROP TABLE IF EXISTS post_ids"]
FORGET_ACCOUNT_IDS = "DELETE FROM account_ids"
_ACCOUNT_COLUMNS = "author_id, account_id, actor_id, follower_id, followee_id, via_actor_id"
_POST_COLUMNS = "post_id, reply_to, quote_of, repost_of, target_post_id, via"
_RUN_KEYS = """
SELECT DISTINCT platform, raw FROM (SELECT platform, unnest([{columns}]) AS raw FROM run_lines)
WHERE raw IS NOT NULL"""
#: Every (platform, account id) a run's lines name.
SELECT_RUN_ACCOUNT_KEYS = _RUN_KEYS.format(columns=_ACCOUNT_COLUMNS)
# The run's identifiers with what the maps know of them; those not mapped yet (``stored`` is
# NULL) are computed by Python, added to the maps and replace their unmapped rows.
_RUN_IDS = """
CREATE OR REPLACE TEMP TABLE run_{kind}s AS
SELECT * FROM ({keys}) LEFT JOIN {kind}_ids USING (platform, raw)"""
# Accounts are also named by a post's community: a channel, a Reddit user's own subreddit.
_COMMUNITY_ACCOUNTS = f"community.channel, {masking.user_subreddit_sql('run_lines')}"
COLLECT_RUN_IDS = [
    _RUN_IDS.format(
        kind="account",
        keys=_RUN_KEYS.format(columns=f"{_ACCOUNT_COLUMNS}, {_COMMUNITY_ACCOUNTS}"),
    ),
    _RUN_IDS.format(kind="post", keys=_RUN_KEYS.format(columns=_POST_COLUMNS)),
]
SELECT_NEW_ACCOUNT_IDS = "SELECT platform, raw FROM run_accounts WHERE stored IS NULL"
SELECT_NEW_POST_IDS = "SELECT platform, raw FROM run_posts WHERE stored IS NULL"
MAP_RUN_IDS = [
    "INSERT INTO account_ids SELECT * FROM new_account_ids",
    "INSERT INTO post_ids SELECT * FROM new_post_ids",
    "DELETE FROM run_accounts WHERE stored IS NULL",
    "DELETE FROM run_posts WHERE stored IS NULL",
    "INSERT INTO run_accounts SELECT * FROM new_account_ids",
    "INSERT INTO run_posts SELECT * FROM new_post_ids",
]
SELECT_RUN_ACCOUNTS = """
SELECT DISTINCT platform, account_id, handle FROM run_lines WHERE type = 'account'"""
#: Leaves out the lines of accounts erased on request (``erased_ids``: platform, raw).
DELETE_ERASED_LINES = """
DELETE FROM run_lines l USING erased_ids e WHERE l.platform = e.platform
    AND e.raw IN (l.author_id, l.account_id, l.actor_id, l.follower_id, l.followee_id)"""
#: Every (``?``: the learners' platform, pseudonym) a run's usage lines name.
SELECT_RUN_LEARNER_KEYS = "SELECT DISTINCT ?, learner FROM run_lines WHERE learner IS NOT NULL"
#: Leaves out the usage lines of learners erased on request (``?``: the learners' platform).
DELETE_ERASED_LEARNER_LINES = """
DELETE FROM run_lines l USING erased_ids e WHERE e.platform = ? AND l.learner = e.raw"""
#: Others' interactions lose the reshare of an erased account they came through.
FORGET_ERASED_VIA = """
UPDATE run_lines SET via = NULL, via_actor_id = NULL FROM erased_ids e
WHERE run_lines.platform = e.platform AND run_lines.via_actor_id = e.raw"""
SELECT_RUN_URLS = "SELECT DISTINCT unnest(links) FROM run_lines WHERE type = 'post'"
COUNT_LOADED_RUNS = "SELECT count(*) FROM runs"
DROP_RUN_LINES = "DROP TABLE run_lines"

# Staging: the run's rows as the store keeps them, through the identifier maps.

_ACCOUNT = "JOIN run_accounts {a} ON {a}.platform = l.platform AND {a}.raw = l.{column}"
_POST = "LEFT JOIN run_posts {a} ON {a}.platform = l.platform AND {a}.raw = l.{column}"

#: When a line's counts were read, if it holds any: a view without counts (an embedded post,
#: a profile seen in passing) is no observation, and must not replace counts known before.
_POST_COUNTS_SEEN = (
    "CASE WHEN coalesce(l.engagement.likes, l.engagement.reposts, l.engagement.replies, "
    "l.engagement.quotes, l.engagement.views, l.engagement.clicks) IS NOT NULL "
    "THEN l.engagement.observed_at END"
)
_ACCOUNT_COUNTS_SEEN = (
    "CASE WHEN coalesce(l.followers_count, l.following_count) IS NOT NULL "
    "THEN l.counts_observed_at END"
)
#: The columns of a post staged from the line kept, and those filled from another line.
_POST_KEPT = (
    "likes", "reposts", "replies", "quotes", "views", "clicks", "counts_observed_at", "source",
    "run_id", "collected_at",
)  # fmt: skip
_POST_FILLED = (
    "url", "author_id", "created_at", "text", "language", "reply_to", "quote_of", "repost_of",
    "forum", "board", "subreddit", "channel", "instance",
)  # fmt: skip
#: Staging keeps one line per key: the newest observation (of a post, the one with the newest
#: counts; of an interaction, the earliest time it happened), and of lines as new, the later
#: in the run's file (``line``): the line with the greatest ordering key (``_kept``). A value
#: that line lacks comes from the next line that knows it (``_known``: ``arg_max`` skips
#: NULLs), and is then as new as the kept line: a Mastodon reply read in an answer holding
#: its parent and again in one that does not keeps its parent, whichever answer came first.
#: An account's counts come from the line that read them last: a profile seen in passing
#: afterwards has none. Grouping rather than a window: one hash aggregate, no sort.


def _kept(value: str, key: str = "kept") -> str:
    """``value`` on the line of greatest ``key`` (NULL if that line has none)."""
    return f"arg_max_null({value}, {key})"


def _known(value: str, key: str = "kept") -> str:
    """``value`` on the line of greatest ``key`` among those that know it."""
    return f"arg_max({value}, {key})"


_BEFORE_ALL = "'-infinity'::TIMESTAMPTZ"
_POST_KEY = (
    f"{{'seen': coalesce({_POST_COUNTS_SEEN}, {_BEFORE_ALL}), 'at': l.collected_at, "
    "'line': l.line}"
)
_ACCOUNT_KEY = (
    f"{{'at': l.collected_at, 'seen': coalesce({_ACCOUNT_COUNTS_SEEN}, {_BEFORE_ALL}), "
    "'line': l.line}"
)
_ACCOUNT_COUNTS_KEY = (
    f"{{'seen': coalesce({_ACCOUNT_COUNTS_SEEN}, {_BEFORE_ALL}), 'at': l.collected_at, "
    "'line': l.line}"
)
#: An interaction's known time before none, the earliest time first (negated, for
#: ``arg_max``), then the later line. A key holds no NULL: it would rank first.
_INTERACTION_KEY = (
    "{'timed': l.created_at IS NOT NULL, "
    "'early': -epoch_us(coalesce(l.created_at, TIMESTAMPTZ 'epoch')), 'line': l.line}"
)
#: A repost's ``via`` and the account of that reshare, which go together (one line's pair).
_VIA = (
    "CASE WHEN v.stored IS NOT NULL OR w.stored IS NOT NULL"
    " THEN {'via': v.stored, 'actor': w.stored} END"
)
_SUBREDDIT = (
    "CASE WHEN u.named THEN l.community.subreddit ELSE coalesce(u.stored, l.community.subreddit)"
    " END"
)
STAGE_RUN = {
    "accounts": f"""
CREATE OR REPLACE TEMP TABLE staged_accounts AS
SELECT platform, account_id, named,
    {_known("CASE WHEN named THEN handle END")} AS handle,
    {_known("CASE WHEN named THEN display_name END")} AS display_name,
    {_kept("followers_count", "counted")} AS followers_count,
    {_kept("following_count", "counted")} AS following_count,
    {_kept("counts_observed_at", "counted")} AS counts_observed_at,
    {_known("kind")} AS kind, {_known("opt_out")} AS opt_out,
    {_kept("source")} AS source, {_kept("run_id")} AS run_id,
    {_kept("collected_at")} AS collected_at
FROM (SELECT l.platform, a.stored AS account_id, a.named, l.handle, l.display_name,
        l.followers_count, l.following_count, {_ACCOUNT_COUNTS_SEEN} AS counts_observed_at,
        l.kind, l.opt_out, l.source, l.run_id, l.collected_at,
        {_ACCOUNT_KEY} AS kept, {_ACCOUNT_COUNTS_KEY} AS counted
    FROM run_lines l {_ACCOUNT.format(a="a", column="account_id")}
    WHERE l.type = 'account')
GROUP BY platform, account_id, named""",
    "posts": f"""
CREATE OR REPLACE TEMP TABLE staged_posts AS
SELECT platform, post_id,
    {", ".join(f"{_known(c)} AS {c}" for c in _POST_FILLED)},
    {", ".join(f"{_kept(c)} AS {c}" for c in _POST_KEPT)},
    coalesce({_known("hashtags")}, []) AS hashtags
FROM (SELECT l.platform, p.stored AS post_id, CASE WHEN a.named THEN l.url END AS url,
        a.stored AS author_id, l.created_at, l.text, l.language,
        r.stored AS reply_to, q.stored AS quote_of, o.stored AS repost_of,
        l.engagement.likes AS likes, l.engagement.reposts AS reposts,
        l.engagement.replies AS replies, l.engagement.quotes AS quotes,
        l.engagement.views AS views, l.engagement.clicks AS clicks,
        {_POST_COUNTS_SEEN} AS counts_observed_at,
        l.community.forum AS forum, l.community.board AS board,
        {_SUBREDDIT} AS subreddit, c.stored AS channel, l.community.instance AS instance,
        l.community.hashtags AS hashtags, l.source, l.run_id, l.collected_at,
        {_POST_KEY} AS kept
    FROM run_lines l {_ACCOUNT.format(a="a", column="author_id")}
        {_POST.format(a="p", column="post_id")} {_POST.format(a="r", column="reply_to")}
        {_POST.format(a="q", column="quote_of")} {_POST.format(a="o", column="repost_of")}
        LEFT JOIN run_accounts c ON c.platform = l.platform AND c.raw = l.community.channel
        LEFT JOIN run_accounts u ON u.platform = l.platform
            AND u.raw = {masking.user_subreddit_sql("l")}
    WHERE l.type = 'post')
GROUP BY platform, post_id""",
    "links": f"""
CREATE OR REPLACE TEMP TABLE staged_links AS
SELECT l.platform, p.stored AS post_id, i.* EXCLUDE (raw_url), l.run_id
FROM (SELECT DISTINCT * FROM (
        SELECT platform, post_id, unnest(links) AS url, run_id FROM run_lines WHERE type = 'post')
    ) l {_POST.format(a="p", column="post_id")} JOIN staged_link_info i ON i.raw_url = l.url""",
    "interactions": f"""
CREATE OR REPLACE TEMP TABLE staged_interactions AS
SELECT platform, kind, actor_id, target_post_id, post_id,
    {", ".join(f"{_kept(c)} AS {c}" for c in ("created_at", "source", "run_id", "collected_at"))},
    {_known("via_pair")}.via AS via, {_known("via_pair")}.actor AS via_actor_id
FROM (SELECT l.platform, l.kind, a.stored AS actor_id, t.stored AS target_post_id,
        coalesce(p.stored, '') AS post_id, l.created_at, l.source, l.run_id, l.collected_at,
        {_VIA} AS via_pair, {_INTERACTION_KEY} AS kept
    FROM run_lines l {_ACCOUNT.format(a="a", column="actor_id")}
        {_POST.format(a="t", column="target_post_id")} {_POST.format(a="p", column="post_id")}
        {_POST.format(a="v", column="via")}
        LEFT JOIN run_accounts w ON w.platform = l.platform AND w.raw = l.via_actor_id
    WHERE l.type = 'interaction')
GROUP BY platform, kind, actor_id, target_post_id, post_id""",
    "follows": f"""
CREATE OR REPLACE TEMP TABLE staged_follows AS
SELECT l.platform, f.stored AS follower_id, e.stored AS followee_id,
    min(l.collected_at) AS first_observed_at, max(l.collected_at) AS last_observed_at,
    arg_min(l.source, l.collected_at) AS source, arg_min(l.run_id, l.collected_at) AS run_id
FROM run_lines l {_ACCOUNT.format(a="f", column="follower_id")}
    {_ACCOUNT.format(a="e", column="followee_id")}
WHERE l.type = 'follow'
GROUP BY l.platform, f.stored, e.stored""",
    "usage": f"""
CREATE OR REPLACE TEMP TABLE staged_usage AS
SELECT site, day, kind, count, course_id, {masking.masked_sql("url")} AS url, channel, event,
    learners, learner, occurred_at, title, source, run_id, collected_at
FROM run_lines WHERE type = 'usage'
QUALIFY row_number() OVER (PARTITION BY site, day, kind, course_id, url, channel, event,
    learner, occurred_at ORDER BY collected_at DESC, count DESC) = 1""",
}
#: Links of one post whose stored URLs became the same (two forms of one profile link).
DEDUPE_STAGED_LINKS = """
CREATE OR REPLACE TEMP TABLE staged_links AS
SELECT DISTINCT ON (platform, post_id, url) * FROM staged_links"""
#: The values of ``profile_candidates`` (one column, ``value``) that are profile links, cut
#: into prefix, identifying part and rest (:data:`graph.privacy.identifiers.PROFILE_LINK`).
SELECT_PROFILE_PARTS = f"""
SELECT value, parts.prefix, parts.who, parts.rest FROM (
    SELECT value, regexp_extract(value, {masking.sql_literal(identifiers.PROFILE_LINK)},
        ['prefix', 'who', 'rest']) AS parts
    FROM (SELECT DISTINCT value FROM profile_candidates WHERE value IS NOT NULL))
WHERE parts.who <> ''"""

DROP_STAGED = [
    *(f"DROP TABLE IF EXISTS {prefix}_{name}"
      for prefix in ("staged", "existing")
      for name in ("accounts", "posts", "links", "interactions", "follows", "usage")),
    "DROP TABLE IF EXISTS run_accounts",
    "DROP TABLE IF EXISTS run_posts",
]  # fmt: skip

# --- upserts from staging tables ----------------------------------------------------------
# Natural keys are kept unique by these statements rather than by indexes (DuckDB's indexes
# make bulk upserts about three times slower): staging keeps one row per key; the keys the
# table already has are found with one join (``existing_*``); when there are some, those rows
# are updated from staging (a scan of the table the loader skips otherwise, as for most rows
# of a first load); then the other staged rows are inserted. A row is only replaced by a
# strictly newer observation, so loading the same data twice changes nothing. Counts follow
# their own observation time.

NATURAL_KEYS = {
    "accounts": ("platform", "account_id"),
    "posts": ("platform", "post_id"),
    "links": ("platform", "post_id", "url"),
    "interactions": ("platform", "kind", "actor_id", "target_post_id", "post_id"),
    "follows": ("platform", "follower_id", "followee_id"),
    "usage": (
        "site", "day", "kind", "course_id", "url", "channel", "event", "learner", "occurred_at",
    ),
}  # fmt: skip
#: Tables whose natural key has columns that may be NULL (a NULL then matches a NULL).
_NULLABLE_KEYS = {"usage"}


def _same_key(table: str, alias: str | None = None) -> str:
    """Rows of ``table`` (or its ``alias``) and staged rows ``s`` with the same natural key."""
    equal = "IS NOT DISTINCT FROM" if table in _NULLABLE_KEYS else "="
    return " AND ".join(f"{alias or table}.{c} {equal} s.{c}" for c in NATURAL_KEYS[table])


def _existing(table: str) -> str:
    return f"""CREATE OR REPLACE TEMP TABLE existing_{table} AS
SELECT {", ".join(f"s.{c}" for c in NATURAL_KEYS[table])}
FROM {table} JOIN staged_{table} s ON {_same_key(table)}"""


def _insert_new(table: str) -> str:
    return f"""INSERT INTO {table} BY NAME SELECT * FROM staged_{table} s
ANTI JOIN existing_{table} e ON {_same_key(table, "e")}"""


def _newer_counts(table: str) -> str:
    return (
        f"(s.counts_observed_at > {table}.counts_observed_at OR ({table}.counts_observed_at"
        " IS NULL AND s.counts_observed_at IS NOT NULL))"
    )


_NEWER = "s.collected_at > {t}.collected_at"


def _if(condition: str, table: str, column: str, value: str) -> str:
    return f"{column} = CASE WHEN {condition} THEN {value} ELSE {table}.{column} END"


#: Newer wins, but an unknown value (an opt-out a source cannot see…) keeps the one known.
_ACCOUNT_FIELDS = ("handle", "display_name", "kind", "opt_out")
_UPDATE_ACCOUNTS = f"""
UPDATE accounts SET
    named = s.named OR accounts.named,
    {", ".join(_if(_NEWER.format(t="accounts"), "accounts", c, f"coalesce(s.{c}, accounts.{c})")
               for c in _ACCOUNT_FIELDS)},
    {", ".join(_if(_newer_counts("accounts"), "accounts", c, f"s.{c}")
               for c in ("followers_count", "following_count"))},
    counts_observed_at = greatest(s.counts_observed_at, accounts.counts_observed_at),
    {", ".join(_if(_NEWER.format(t="accounts"), "accounts", c, f"s.{c}")
               for c in ("source", "run_id"))},
    collected_at = greatest(s.collected_at, accounts.collected_at)
FROM staged_accounts s
WHERE {_same_key("accounts")} AND ({_NEWER.format(t="accounts")} OR {_newer_counts("accounts")}
    OR (s.named AND NOT accounts.named))"""  # fmt: skip

_POST_COUNTS = ("likes", "reposts", "replies", "quotes", "views", "clicks")
_POST_FIELDS = (
    "url", "author_id", "created_at", "text", "language", "reply_to", "quote_of",
    "repost_of", "forum", "board", "subreddit", "channel", "instance", "hashtags",
)  # fmt: skip
_UPDATE_POSTS = f"""
UPDATE posts SET
    {", ".join(_if(_newer_counts("posts"), "posts", c, f"s.{c}") for c in _POST_COUNTS)},
    counts_observed_at = greatest(s.counts_observed_at, posts.counts_observed_at),
    {", ".join(_if(_NEWER.format(t="posts"), "posts", c, f"coalesce(s.{c}, posts.{c})")
               for c in _POST_FIELDS)},
    {", ".join(_if(_NEWER.format(t="posts"), "posts", c, f"s.{c}") for c in ("source", "run_id"))},
    collected_at = greatest(s.collected_at, posts.collected_at)
FROM staged_posts s
WHERE {_same_key("posts")}
    AND ({_NEWER.format(t="posts")} OR {_newer_counts("posts")})"""  # fmt: skip

#: A stored repost that knows no reshare it came through learns one (both columns at once,
#: from one line); one that knows the reshare but not its account (stored before accounts of
#: reshares were) learns the account from a line naming the same reshare.
_NO_VIA = "(interactions.via IS NULL AND interactions.via_actor_id IS NULL)"
_UPDATE_INTERACTIONS = f"""
UPDATE interactions SET
    created_at = coalesce(interactions.created_at, s.created_at),
    run_id = CASE WHEN interactions.created_at IS NULL AND s.created_at IS NOT NULL
        THEN s.run_id ELSE interactions.run_id END,
    via = CASE WHEN {_NO_VIA} THEN s.via ELSE interactions.via END,
    via_actor_id = CASE WHEN {_NO_VIA} THEN s.via_actor_id
        WHEN interactions.via = s.via THEN coalesce(interactions.via_actor_id, s.via_actor_id)
        ELSE interactions.via_actor_id END
FROM staged_interactions s
WHERE {_same_key("interactions")} AND (
    (interactions.created_at IS NULL AND s.created_at IS NOT NULL)
    OR ({_NO_VIA} AND (s.via IS NOT NULL OR s.via_actor_id IS NOT NULL))
    OR (interactions.via = s.via AND interactions.via_actor_id IS NULL
        AND s.via_actor_id IS NOT NULL))"""  # fmt: skip

_UPDATE_FOLLOWS = f"""UPDATE follows SET
    first_observed_at = least(s.first_observed_at, follows.first_observed_at),
    last_observed_at = greatest(s.last_observed_at, follows.last_observed_at)
FROM staged_follows s
WHERE {_same_key("follows")} AND (s.first_observed_at < follows.first_observed_at
    OR s.last_observed_at > follows.last_observed_at)"""  # fmt: skip

#: A newer observation of a day's count replaces it (a later export of the same day).
_UPDATE_USAGE = f"""UPDATE usage SET
    {", ".join(f"{c} = s.{c}" for c in ("count", "learners", "title", "source", "run_id",
                                            "collected_at"))}
FROM staged_usage s
WHERE {_same_key("usage")} AND {_NEWER.format(t="usage")}"""  # fmt: skip

#: Per table, in the order a run is written: the keys staging shares with the table.
FIND_EXISTING = {table: _existing(table) for table in NATURAL_KEYS}
COUNT_EXISTING = {table: f"SELECT count(*) FROM existing_{table}" for table in NATURAL_KEYS}
#: The update of the rows whose key exists (links never change once written).
UPDATE_EXISTING = {
    "accounts": _UPDATE_ACCOUNTS,
    "posts": _UPDATE_POSTS,
    "interactions": _UPDATE_INTERACTIONS,
    "follows": _UPDATE_FOLLOWS,
    "usage": _UPDATE_USAGE,
}
INSERT_NEW = {table: _insert_new(table) for table in NATURAL_KEYS}

# --- pseudonyms of accounts that turn out to be institutions --------------------------------
# When an allow-listed account is first recognised, rows written earlier under its pseudonym
# are renamed to its real id. ``renamed_accounts`` is a staging table (pseudonym, account_id).

RENAME_ACCOUNT_REFERENCES = [
    """UPDATE posts SET author_id = r.account_id FROM renamed_accounts r
       WHERE posts.author_id = r.pseudonym""",
    """UPDATE interactions SET actor_id = r.account_id FROM renamed_accounts r
       WHERE interactions.actor_id = r.pseudonym""",
    """UPDATE interactions SET via_actor_id = r.account_id FROM renamed_accounts r
       WHERE interactions.via_actor_id = r.pseudonym""",
    """UPDATE follows SET follower_id = r.account_id FROM renamed_accounts r
       WHERE follows.follower_id = r.pseudonym""",
    """UPDATE follows SET followee_id = r.account_id FROM renamed_accounts r
       WHERE follows.followee_id = r.pseudonym""",
    """UPDATE posts SET channel = r.account_id FROM renamed_accounts r
       WHERE posts.channel = r.pseudonym""",
    """UPDATE posts SET subreddit = 'u_' || r.account_id FROM renamed_accounts r
       WHERE posts.subreddit = r.pseudonym""",
    """DELETE FROM accounts USING renamed_accounts r
       WHERE accounts.account_id = r.pseudonym AND accounts.platform = r.platform""",
]
SELECT_NAMED_ACCOUNTS = "SELECT platform, account_id FROM accounts WHERE named"

# --- links and the catalogue ----------------------------------------------------------------

SELECT_RESOLUTIONS = "SELECT short_url, final_url FROM url_resolutions WHERE final_url IS NOT NULL"
UPSERT_RESOLUTION = """
INSERT INTO url_resolutions VALUES (?, ?, now())
ON CONFLICT (short_url) DO UPDATE SET final_url = excluded.final_url,
    resolved_at = excluded.resolved_at"""
DELETE_CATALOGUE = "DELETE FROM catalogue"
INSERT_CATALOGUE = "INSERT INTO catalogue VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
SELECT_LINK_URLS = "SELECT DISTINCT url FROM links"
UPDATE_LINK_MATCHES = """
UPDATE links SET resolved_url = m.resolved_url, url_key = m.url_key, host = m.host,
    campaign = m.campaign, tracked = m.tracked, resource_id = m.resource_id,
    match_reason = m.match_reason
FROM staged_matches m WHERE links.url = m.raw_url"""

# --- status ---------------------------------------------------------------------------------

STATUS_RUNS = """
SELECT run_id, started_at, records_loaded AS records,
       json_array_length(incidents) AS incidents, reparse_of AS replaces, superseded_by
FROM runs ORDER BY started_at"""
STATUS_RUN_WINDOWS = """
SELECT source, query, coalesce(window_start, started_at), coalesce(window_end, finished_at)
FROM runs WHERE superseded_by IS NULL ORDER BY source, query, 3"""
STATUS_INCIDENTS = """
SELECT r.source, i.kind, count(*) AS incidents,
       sum(coalesce(i.wait_seconds, 0)) AS wait_seconds
FROM runs r, unnest(from_json(r.incidents,
    '[{"kind": "VARCHAR", "wait_seconds": "DOUBLE"}]')) AS u(i)
WHERE r.superseded_by IS NULL
GROUP BY ALL ORDER BY ALL"""
STATUS_COUNTS = """
SELECT source, platform, 'posts' AS records, count(*) AS n FROM posts GROUP BY ALL
UNION ALL SELECT source, platform, 'accounts', count(*) FROM accounts GROUP BY ALL
UNION ALL SELECT source, platform, 'interactions', count(*) FROM interactions GROUP BY ALL
UNION ALL SELECT source, platform, 'follows', count(*) FROM follows GROUP BY ALL
UNION ALL SELECT source, site, 'usage', count(*) FROM usage GROUP BY ALL
ORDER BY ALL"""
STATUS_LINKS = """
SELECT count(*) AS links, count(*) FILTER (WHERE tracked) AS tracked,
       count(*) FILTER (WHERE resource_id IS NOT NULL) AS matched,
       count(DISTINCT resource_id) AS resources
FROM links"""
STATUS_UNMATCHED = """
SELECT url_key, count(*) AS posts, any_value(url) AS example
FROM links WHERE tracked AND resource_id IS NULL
GROUP BY url_key ORDER BY posts DESC, url_key LIMIT ?"""
STATUS_UNRESOLVED = """
SELECT url, count(*) AS posts FROM links WHERE shortened AND resolved_url IS NULL
GROUP BY url ORDER BY posts DESC, url LIMIT ?"""
SELECT_CATALOGUE = """
SELECT resource_id, title, parcours, level, discipline, url_patterns, published, illustrative
FROM catalogue ORDER BY resource_id"""

# --- analyses ------------------------------------------------------------------------------
# ``analyze`` replaces each result table whole from a registered DataFrame (``result``).

INSERT_ANALYSIS = "INSERT INTO analyses VALUES (?, ?, ?, ?, ?, ?)"
# Allow-listed accounts and their handles: what replaces an account id for display.
NAMED_HANDLES = """(SELECT DISTINCT platform, account_id, handle FROM accounts
    WHERE named AND handle IS NOT NULL)"""
#: A result table replaced whole by the registered frame ``result`` (``table``: a name of
#: ``RESULT_TABLES``).
REPLACE_RESULT_TABLE = "CREATE OR REPLACE TABLE {table} AS SELECT * FROM result"

# --- analysis inputs ------------------------------------------------------------------------
# A cascade starts at a post linking a resource that no other post linking it leads to
# through quotes, replies and reposts that are posts (Telegram forwards); those of cascade
# posts (at any depth) join it, and so do reposts known as interactions, with the account
# whose repost they say they came through (``via_actor``, the last column). ``?`` 1 and 2:
# the forum and web platforms, whose posts are 'link-in-forum' and 'web-page' adoptions
# rather than 'original' ones.

SELECT_ADOPTIONS = """
WITH RECURSIVE
linking AS (
    SELECT platform, post_id, resource_id,
        any_value(campaign::VARCHAR) FILTER (WHERE campaign::VARCHAR NOT IN ('{}', 'null'))
            AS campaign
    FROM links WHERE resource_id IS NOT NULL GROUP BY ALL),
post_edges AS (
    SELECT platform, quote_of AS parent_post, post_id AS child_post, 'quote' AS kind
    FROM posts WHERE quote_of IS NOT NULL
    UNION ALL
    SELECT platform, reply_to, post_id, 'reply' FROM posts WHERE reply_to IS NOT NULL
    UNION ALL
    SELECT platform, repost_of, post_id, 'repost' FROM posts WHERE repost_of IS NOT NULL),
reached(resource_id, platform, root_post, post_id, parent_post, kind, hops) AS (
    SELECT resource_id, platform, post_id, post_id, NULL::VARCHAR, 'original', 0 FROM linking
    UNION ALL
    SELECT r.resource_id, r.platform, r.root_post, e.child_post, e.parent_post, e.kind,
        r.hops + 1
    FROM reached r JOIN post_edges e ON e.platform = r.platform AND e.parent_post = r.post_id
    WHERE r.hops < 100),
roots AS (
    SELECT resource_id, platform, post_id AS root_post FROM linking
    EXCEPT
    SELECT resource_id, platform, post_id FROM reached WHERE hops > 0),
cascade_posts AS (
    SELECT r.* FROM reached r SEMI JOIN roots USING (resource_id, platform, root_post)
    QUALIFY row_number() OVER (PARTITION BY r.resource_id, r.platform, r.post_id
        ORDER BY r.hops, r.root_post, r.kind) = 1)
SELECT c.resource_id, c.platform, c.resource_id || '/' || c.root_post AS cascade,
    c.root_post AS root_post_id, p.author_id AS account_id,
    p.created_at AS adopted_at,
    CASE WHEN c.kind <> 'original' THEN c.kind
         WHEN list_contains(?, c.platform) THEN 'link-in-forum'
         WHEN list_contains(?, c.platform) THEN 'web-page'
         ELSE 'original' END AS kind,
    c.post_id, c.parent_post AS parent_post_id, parent.author_id AS target_author,
    l.campaign, NULL::VARCHAR AS via_actor
FROM cascade_posts c
JOIN posts p USING (platform, post_id)
LEFT JOIN posts parent ON parent.platform = c.platform AND parent.post_id = c.parent_post
LEFT JOIN linking l USING (resource_id, platform, post_id)
UNION ALL
SELECT c.resource_id, c.platform, c.resource_id || '/' || c.root_post, c.root_post,
    i.actor_id, i.created_at, 'repost', '',
    c.post_id, target.author_id, NULL, i.via_actor_id
FROM interactions i
JOIN cascade_posts c ON c.platform = i.platform AND c.post_id = i.target_post_id
JOIN posts target ON target.platform = c.platform AND target.post_id = c.post_id
WHERE i.kind = 'repost' AND i.post_id = ''  -- reposts that are posts joined above
ORDER BY 1, 2, 3, 6 NULLS LAST, 5"""

# Per resource, the accounts that liked a cascade post, and the views and clicks platforms
# reported for cascade posts (NULL when none reported any).
SELECT_LIKERS = """
SELECT DISTINCT a.resource_id, a.platform, i.actor_id AS account_id
FROM adoptions_input a
JOIN interactions i ON i.platform = a.platform AND i.target_post_id = a.post_id
WHERE i.kind = 'like' AND a.post_id <> ''"""
SELECT_REPORTED_VIEWS = """
SELECT a.resource_id, sum(p.views) AS views, sum(p.clicks) AS clicks
FROM (SELECT DISTINCT resource_id, platform, post_id FROM adoptions_input
      WHERE post_id <> '') a
JOIN posts p USING (platform, post_id)
GROUP BY a.resource_id"""
SELECT_CATALOGUE_PARCOURS = "SELECT resource_id, parcours FROM catalogue"
SELECT_ACCOUNT_FOLLOWERS = """
SELECT platform, account_id, followers_count FROM accounts"""
SELECT_FOLLOWS = "SELECT platform, follower_id, followee_id FROM follows"
SELECT_USAGE = """
SELECT site, day, kind, count, course_id, url, channel, event, learners, learner, occurred_at,
    title, source, run_id, collected_at
FROM usage"""
# Institutional accounts: declared as such, or on the allow-list (``allow_list``: platform and
# lower-case account id or handle, registered by the caller).
SELECT_INSTITUTIONAL_ACCOUNTS = """
SELECT DISTINCT a.platform, a.account_id, a.handle FROM accounts a
WHERE a.kind = 'institution' OR EXISTS (
    SELECT 1 FROM allow_list l WHERE l.platform = a.platform
    AND l.value IN (lower(a.account_id), lower(ltrim(a.handle, '@'))))"""

# The sociability graph: who relates to whom, by kind (mentions are not in the data contract).
SELECT_SOCIABILITY_EDGES = """
SELECT platform, source, target, kind, count(*) AS weight FROM (
    SELECT platform, follower_id AS source, followee_id AS target, 'follow' AS kind
    FROM follows
    UNION ALL
    SELECT i.platform, i.actor_id, p.author_id,
        CASE i.kind WHEN 'forward' THEN 'repost' ELSE i.kind END
    FROM interactions i JOIN posts p ON p.platform = i.platform
        AND p.post_id = i.target_post_id
    WHERE i.kind IN ('repost', 'forward', 'quote', 'reply'))
WHERE source <> target
GROUP BY ALL ORDER BY ALL"""

# What each account posts in: hashtags, instances, forums, boards, subreddits, channels.
SELECT_ACCOUNT_CONTEXTS = """
SELECT platform, author_id AS account_id, context FROM (
    SELECT platform, author_id, '#' || lower(unnest(hashtags)) AS context FROM posts
    UNION ALL SELECT platform, author_id, instance FROM posts
    UNION ALL SELECT platform, author_id, forum FROM posts
    UNION ALL SELECT platform, author_id, board FROM posts
    UNION ALL SELECT platform, author_id, 'r/' || subreddit FROM posts
    UNION ALL SELECT platform, author_id, channel FROM posts)
WHERE context IS NOT NULL"""

# --- privacy: retention, minimisation, erasure ----------------------------------------------
# ``?`` is the retention cut-off (a timestamp) or the texts' fate ('none' or 'excerpt').
# An excerpt keeps the first 200 characters with every identifier masked (mentions in every
# form, DIDs, profile links: :mod:`graph.privacy.identifiers`); excerpting an excerpt
# changes nothing.

MIGRATION_4_PRUNED_RUNS = ["ALTER TABLE runs ADD COLUMN pruned_at TIMESTAMPTZ"]
#: The reshare through which an actor reached a post, when the platform says (Bluesky's via).
MIGRATION_5_VIA = ["ALTER TABLE interactions ADD COLUMN via VARCHAR"]
#: The account whose reshare ``via`` names (an account id, pseudonymised like ``actor_id``).
MIGRATION_6_VIA_ACTOR = ["ALTER TABLE interactions ADD COLUMN via_actor_id VARCHAR"]
#: What happened after a share (collectors.records.Usage): one row per natural key
#: (:data:`NATURAL_KEYS`), daily counts or, with --keep-events, events of pseudonymised learners.
MIGRATION_7_USAGE = [
    """CREATE TABLE usage (
        site VARCHAR NOT NULL,
        day DATE NOT NULL,
        kind VARCHAR NOT NULL,
        count BIGINT NOT NULL,
        course_id VARCHAR,
        url VARCHAR,
        channel VARCHAR,
        event VARCHAR,
        learners BIGINT,
        learner VARCHAR,
        occurred_at TIMESTAMPTZ,
        title VARCHAR,
        source VARCHAR NOT NULL,
        run_id VARCHAR NOT NULL,
        collected_at TIMESTAMPTZ NOT NULL
    )"""
]
#: The texts of accounts that opted out go, whenever the opt-out was learnt (an opt-out seen
#: after a text was stored, or a text seen by a source blind to opt-outs).
FORGET_OPTED_OUT_TEXTS = """
UPDATE posts SET text = NULL FROM accounts a
WHERE posts.text IS NOT NULL AND a.platform = posts.platform AND a.account_id = posts.author_id
    AND len(a.opt_out) > 0"""

_MASKED = masking.masked_sql("text")
_EXCERPT = (
    f"CASE WHEN ? = 'none' THEN NULL WHEN length({_MASKED}) > 200 "
    f"THEN left({_MASKED}, 199) || '…' ELSE {_MASKED} END"
)
MINIMISE_STAGED_TEXTS = f"UPDATE staged_posts SET text = {_EXCERPT} WHERE text IS NOT NULL"
#: For the privacy report: texts stored, and those that are more than their excerpt.
PRIVACY_TEXTS = f"""
SELECT count(text) AS texts, count(*) FILTER (WHERE text IS DISTINCT FROM ({_EXCERPT})) AS whole
FROM posts WHERE text IS NOT NULL"""
MINIMISE_TEXTS = f"""
UPDATE posts SET text = {_EXCERPT}
WHERE text IS NOT NULL AND text IS DISTINCT FROM ({_EXCERPT})"""
#: Rows older than the cut-off: posts by date (else collection time), interactions likewise,
#: follows not seen since; then links of removed posts and accounts nothing refers to.
PRUNE = {
    "posts": "DELETE FROM posts WHERE coalesce(created_at, collected_at) < ?",
    "interactions": "DELETE FROM interactions WHERE coalesce(created_at, collected_at) < ?",
    "follows": "DELETE FROM follows WHERE last_observed_at < ?",
    "usage": "DELETE FROM usage WHERE coalesce(occurred_at, day::TIMESTAMPTZ) < ?",
    "links": """DELETE FROM links l WHERE NOT EXISTS (
        SELECT 1 FROM posts p WHERE p.platform = l.platform AND p.post_id = l.post_id)""",
    "accounts": """DELETE FROM accounts a WHERE collected_at < ?
        AND NOT EXISTS (SELECT 1 FROM posts p
            WHERE p.platform = a.platform AND p.author_id = a.account_id)
        AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.platform = a.platform
            AND a.account_id IN (i.actor_id, i.via_actor_id))
        AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.platform = a.platform
            AND a.account_id IN (f.follower_id, f.followee_id))""",
}
MARK_RUN_PRUNED = "UPDATE runs SET pruned_at = now() WHERE run_id = ?"
# Erasure of one account: ``forgotten_accounts`` holds its ids as stored, ``forgotten_posts``
# its posts' (the ids given, ``?`` 2, and every post its ids wrote, ``?`` 3 the platform).
FORGET_TABLES = [
    "CREATE OR REPLACE TEMP TABLE forgotten_accounts AS SELECT DISTINCT unnest(?::VARCHAR[]) AS id",
    """CREATE OR REPLACE TEMP TABLE forgotten_posts AS SELECT DISTINCT id FROM (
        SELECT unnest(?::VARCHAR[]) AS id UNION ALL SELECT post_id FROM posts
        WHERE platform = ? AND author_id IN (SELECT id FROM forgotten_accounts))""",
]
ADD_FORGOTTEN = "INSERT INTO forgotten_{kind}s VALUES (?)"
#: The posts of accounts added by name after the table was made (``?``: the platform).
ADD_FORGOTTEN_AUTHORS_POSTS = """INSERT INTO forgotten_posts SELECT post_id FROM posts
    WHERE platform = ? AND author_id IN (SELECT id FROM forgotten_accounts)
    AND post_id NOT IN (SELECT id FROM forgotten_posts)"""
DROP_FORGOTTEN = [
    "DROP TABLE IF EXISTS forgotten_accounts",
    "DROP TABLE IF EXISTS forgotten_posts",
]
_FORGOTTEN_ACCOUNTS = "(SELECT id FROM forgotten_accounts)"
_FORGOTTEN_POSTS = "(SELECT id FROM forgotten_posts)"
#: Everything of the account (``$1``: platform): its posts and their links, what it did, what
#: others did to its posts, its follows.
FORGET = {
    "links": f"DELETE FROM links WHERE platform = $1 AND post_id IN {_FORGOTTEN_POSTS}",
    "interactions": f"""DELETE FROM interactions WHERE platform = $1
        AND (actor_id IN {_FORGOTTEN_ACCOUNTS} OR target_post_id IN {_FORGOTTEN_POSTS}
            OR post_id IN {_FORGOTTEN_POSTS})""",
    "posts": f"""DELETE FROM posts WHERE platform = $1
        AND (author_id IN {_FORGOTTEN_ACCOUNTS} OR post_id IN {_FORGOTTEN_POSTS})""",
    "follows": f"""DELETE FROM follows WHERE platform = $1
        AND (follower_id IN {_FORGOTTEN_ACCOUNTS} OR followee_id IN {_FORGOTTEN_ACCOUNTS})""",
    "accounts": f"DELETE FROM accounts WHERE platform = $1 AND account_id IN {_FORGOTTEN_ACCOUNTS}",
}
#: Other people's posts no longer refer to the account's posts (``$1``: platform).
FORGET_REFERENCES = [
    *(
        f"UPDATE posts SET {column} = NULL WHERE platform = $1 AND {column} IN {_FORGOTTEN_POSTS}"
        for column in ("reply_to", "quote_of", "repost_of")
    ),
    # the reshare an interaction came through, and whose it was, go together
    f"""UPDATE interactions SET via = NULL, via_actor_id = NULL WHERE platform = $1
        AND (via IN {_FORGOTTEN_POSTS} OR via_actor_id IN {_FORGOTTEN_ACCOUNTS})""",
]
#: The rows whose ``column`` may name the account (``?``: a regular expression on its text),
#: with the platform (or source) they belong to.
SELECT_NAMING = """
SELECT rowid, {column}, {platform} FROM {table}
WHERE {column} IS NOT NULL AND regexp_matches(CAST({column} AS VARCHAR), ?)"""
DELETE_ROW = "DELETE FROM {table} WHERE rowid = ?"
UPDATE_ROW = "UPDATE {table} SET {column} = ? WHERE rowid = ?"
UPDATE_RUN_HASH = "UPDATE runs SET file_sha256 = ? WHERE run_id = ?"
#: Erasure of one learner (``?``: its pseudonym): its usage events (daily counts name nobody).
COUNT_LEARNER_USAGE = "SELECT count(*) FROM usage WHERE learner = ?"
FORGET_LEARNER = "DELETE FROM usage WHERE learner = ?"
DELETE_ANALYSES = "DELETE FROM analyses"

# --- privacy report -------------------------------------------------------------------------

PRIVACY_SOURCES = """
SELECT source, count(*) AS runs, min(started_at) AS first_run, max(started_at) AS last_run,
    count(*) FILTER (WHERE pruned_at IS NOT NULL) AS raw_runs_deleted,
    bool_and(pseudonymised) AS pseudonymised
FROM runs WHERE superseded_by IS NULL GROUP BY source ORDER BY source"""
PRIVACY_ACCOUNTS = """
SELECT platform, count(*) AS accounts, count(*) FILTER (WHERE named) AS named,
    count(*) FILTER (WHERE NOT named) AS pseudonymised,
    count(*) FILTER (WHERE len(opt_out) > 0) AS with_opt_out
FROM accounts GROUP BY platform ORDER BY platform"""
PRIVACY_POSTS = """
SELECT platform, count(*) AS posts, count(text) AS with_text,
    min(created_at) AS oldest, max(created_at) AS newest
FROM posts GROUP BY platform ORDER BY platform"""
PRIVACY_COUNTS = """
SELECT (SELECT count(*) FROM interactions) AS interactions,
    (SELECT count(*) FROM follows) AS follows, (SELECT count(*) FROM links) AS links"""
DROP_RESULT_TABLE = "DROP TABLE IF EXISTS {table}"
PRIVACY_FIELDS = """
SELECT table_name, column_name FROM information_schema.columns
WHERE table_name IN (SELECT unnest(?::VARCHAR[])) ORDER BY table_name, ordinal_position"""

# --- SQL over the metrics' DataFrames (graph.frames.query_frames) ----------------------------

# graph.attribution.exposures, over ``pending`` adopters (node), ``follows`` and ``reposts``:
# the accounts each adopter follows that reposted the post it acted on, with their earliest
# repost (NULL if untimed), joined through the adopter's follows so that reposters it does
# not follow are never paired with it; and the adopters that follow the post's author.
FOLLOWED_EXPOSURES = [
    """WITH followed AS MATERIALIZED (  -- this join order first: several times faster
        SELECT p.node, p.cascade, p.parent_post_id, f.followee_id FROM pending p
        JOIN follows f ON f.platform = p.platform AND f.follower_id = p.account_id
        WHERE f.followee_id IS DISTINCT FROM p.target_author AND f.followee_id <> p.account_id)
    SELECT w.node, w.followee_id AS candidate_id, min(r.adopted_at) AS shown_at
    FROM followed w
    JOIN reposts r ON r.cascade = w.cascade AND r.parent_post_id = w.parent_post_id
        AND r.account_id = w.followee_id
    GROUP BY ALL""",
    """SELECT p.node FROM pending p SEMI JOIN follows f ON f.platform = p.platform
        AND f.follower_id = p.account_id AND f.followee_id = p.target_author""",
]

# The sociability graph's edges and vertices, from an ``edges`` table (platform, source, target,
# kind, weight) registered by graph.builders.sociability_graph: one row per ordered pair, a
# count per kind.
SOCIABILITY_ACCOUNTS = """
CREATE TEMP TABLE accounts AS
SELECT platform, account_id, (row_number() OVER (ORDER BY platform, account_id) - 1)::BIGINT AS id
FROM (SELECT platform, source AS account_id FROM edges
      UNION SELECT platform, target FROM edges)"""
SOCIABILITY_VERTICES = "SELECT platform, account_id FROM accounts ORDER BY id"
SOCIABILITY_PAIRS = """
SELECT s.id AS source, t.id AS target, e.* EXCLUDE (platform, source, target) FROM (
    SELECT platform, source, target, sum(weight)::BIGINT AS weight,
        coalesce(sum(weight) FILTER (kind = 'follow'), 0)::BIGINT AS follow,
        coalesce(sum(weight) FILTER (kind = 'repost'), 0)::BIGINT AS repost,
        coalesce(sum(weight) FILTER (kind = 'quote'), 0)::BIGINT AS quote,
        coalesce(sum(weight) FILTER (kind = 'reply'), 0)::BIGINT AS reply
    FROM edges GROUP BY platform, source, target) e
JOIN accounts s ON s.platform = e.platform AND s.account_id = e.source
JOIN accounts t ON t.platform = e.platform AND t.account_id = e.target
ORDER BY s.id, t.id"""

# graph.reach: accounts numbered once in the order of their names (joins on integers are
# several times faster than on names), from ``sharers`` (grp, platform, account_id) or
# ``adoptions``, and ``follows``.
ACCOUNT_IDS = """
CREATE TEMP TABLE account_numbers AS
SELECT platform, account_id, (row_number() OVER (ORDER BY platform, account_id))::INTEGER AS id
FROM (SELECT platform, account_id FROM {accounts} UNION SELECT platform, follower_id FROM follows
      UNION SELECT platform, followee_id FROM follows)"""
CODED_FOLLOWS = """
CREATE TEMP TABLE follow_numbers AS
SELECT DISTINCT a.id AS follower, b.id AS followee FROM follows f
JOIN account_numbers a ON a.platform = f.platform AND a.account_id = f.follower_id
JOIN account_numbers b ON b.platform = f.platform AND b.account_id = f.followee_id"""
# The followers collected of each sharer of each group (``grp``), and the union of the
# followers of a group's sharers, with and without the sharers themselves.
REACH = [
    ACCOUNT_IDS.format(accounts="sharers"),
    CODED_FOLLOWS,
    """CREATE TEMP TABLE sharer_numbers AS SELECT s.grp, s.platform, s.account_id, i.id
    FROM sharers s JOIN account_numbers i USING (platform, account_id)""",
    """SELECT s.grp, s.platform, s.account_id, c.collected::DOUBLE AS collected
    FROM sharer_numbers s
    JOIN (SELECT followee, count(*) AS collected FROM follow_numbers GROUP BY followee) c
        ON c.followee = s.id""",
    """WITH audience AS (
        SELECT DISTINCT s.grp, e.follower FROM sharer_numbers s
        JOIN follow_numbers e ON e.followee = s.id)
    SELECT a.grp, count(*) AS with_sharers, count(*) FILTER (s.id IS NULL) AS without_sharers
    FROM audience a LEFT JOIN sharer_numbers s ON s.grp = a.grp AND s.id = a.follower
    GROUP BY a.grp""",
]
# Each account whose followees were collected, for each resource adopted on its platform: its
# followees, and those who adopted before it (at a known time) or, if it did not adopt, at all.
EXPOSURE = [
    ACCOUNT_IDS.format(accounts="adoptions"),
    CODED_FOLLOWS,
    """CREATE TEMP TABLE exposure_resources AS SELECT resource_id, platform,
        (dense_rank() OVER (ORDER BY resource_id))::INTEGER AS rid
    FROM (SELECT DISTINCT resource_id, platform FROM adoptions)""",
    """CREATE TEMP TABLE exposure_adopters AS
    SELECT r.rid, i.id, min(a.adopted_at) AS adopted_at,
        count(a.adopted_at) = 0 AS untimed
    FROM adoptions a JOIN account_numbers i USING (platform, account_id)
    JOIN exposure_resources r USING (resource_id, platform) GROUP BY ALL""",
    """WITH followees AS (
        SELECT follower, count(*) AS followees FROM follow_numbers GROUP BY follower),
    seen AS (
        SELECT d.rid, e.follower, count(*) FILTER (
            a.id IS NULL OR d.adopted_at < a.adopted_at) AS before
        FROM follow_numbers e JOIN exposure_adopters d ON d.id = e.followee AND NOT d.untimed
        LEFT JOIN exposure_adopters a ON a.rid = d.rid AND a.id = e.follower
        GROUP BY ALL)
    SELECT r.resource_id, i.platform, i.account_id, a.id IS NOT NULL AS adopted,
        n.followees,
        CASE WHEN a.untimed THEN NULL ELSE coalesce(s.before, 0) END AS adopted_followees,
        adopted_followees / n.followees AS exposure
    FROM followees n JOIN account_numbers i ON i.id = n.follower
    JOIN exposure_resources r ON r.platform = i.platform
    LEFT JOIN exposure_adopters a ON a.rid = r.rid AND a.id = n.follower
    LEFT JOIN seen s ON s.rid = r.rid AND s.follower = n.follower
    ORDER BY r.rid, i.id""",
]
# The same, computed in the store from the saved ``adoptions`` table and ``follows``: the
# largest result table never goes through Python.
STORE_EXPOSURE = [
    *EXPOSURE[:-1],
    f"CREATE OR REPLACE TABLE exposure AS {EXPOSURE[-1]}",
    "DROP TABLE account_numbers",
    "DROP TABLE follow_numbers",
    "DROP TABLE exposure_resources",
    "DROP TABLE exposure_adopters",
]
COUNT_EXPOSURE = "SELECT count(*) FROM exposure"
# graph.communities.community_spread, over ``adoptions`` and ``memberships``: per resource and
# community, the adopters (each account once, at its first timed adoption), the first adoption
# there and its account (ties in time: the first account id).
COMMUNITY_SPREAD = """
WITH placed AS (
    SELECT a.resource_id, a.platform, a.account_id, min(a.adopted_at) AS adopted_at,
        any_value(m.community) AS community
    FROM adoptions a JOIN memberships m USING (platform, account_id)
    WHERE a.adopted_at IS NOT NULL
    GROUP BY ALL)
SELECT resource_id, community, count(*) AS adopters, min(adopted_at) AS arrived_at,
    first(account_id ORDER BY adopted_at, account_id, platform) AS bridge,
    first(platform ORDER BY adopted_at, account_id, platform) AS bridge_platform
FROM placed GROUP BY resource_id, community ORDER BY resource_id, community"""
# graph.communities.label_communities, over ``adoptions``, ``members`` and ``others``: how many
# accounts of each community use each term (the resources they adopted, and the other terms:
# contexts, institutions), each account counted once.
COMMUNITY_TERM_COUNTS = """
WITH used AS (
    SELECT platform, account_id, m.community, 'resource' AS kind, a.resource_id::VARCHAR AS term
    FROM adoptions a JOIN members m USING (platform, account_id)
    UNION
    SELECT platform::VARCHAR, account_id::VARCHAR, community::BIGINT, kind::VARCHAR,
        term::VARCHAR
    FROM others)
SELECT community, kind, term, count(*) AS size FROM used GROUP BY ALL
ORDER BY community, kind, term"""
# graph.reach.reach, over ``adoptions`` and ``likers``: the accounts engaged with each group
# (``{by}``), its adopters and likers, each once.
ENGAGED_ACCOUNTS = """SELECT "{by}", count(*) AS engaged FROM (
    SELECT "{by}", platform, account_id FROM adoptions
    UNION SELECT "{by}", platform, account_id FROM likers)
WHERE "{by}" IS NOT NULL GROUP BY ALL"""
# graph.roles.cascade_roles, over ``nodes`` (one per adopter and cascade): each account's
# sums, grouped by ``{keys}``, the strongest amplifiers first within ``{first}``.
CASCADE_ROLES = """
SELECT {keys}, sum(started)::BIGINT AS cascades_started,
    sum(started_reach)::BIGINT AS started_reach, sum(joined)::BIGINT AS cascades_joined,
    sum(downstream)::BIGINT AS downstream
FROM nodes GROUP BY ALL
ORDER BY {first}downstream DESC, started_reach DESC, account_id, platform"""
# graph.roles.institutional_share, over ``nodes``: per resource, its adopters (each account
# once) and those that are institutions or came through one (in any of their cascades).
THROUGH_INSTITUTIONS = """
SELECT resource_id, count(*) AS adopters,
    count(*) FILTER (institution) AS institutional_adopters,
    count(*) FILTER (through) AS adopters_through_institutions
FROM (SELECT resource_id, platform, account_id, bool_or(institution) AS institution,
          bool_or(through) AS through
      FROM nodes GROUP BY ALL)
GROUP BY resource_id ORDER BY resource_id"""
# DuckDB's memory while it computes the exposure: its joins and sort spill into the data
# directory rather than grow past it.
LIMIT_MEMORY = "SET memory_limit = '{megabytes}MB'"
RESET_MEMORY_LIMIT = "RESET memory_limit"
