"""The record of processing says exactly what the database holds, and the database agrees.

Each claim of ``essaim privacy-report --json`` (per table: the columns pseudonymised, masked,
dropped and kept) is checked against the database it describes, with checks written apart
from :mod:`graph.privacy.identifiers`; and no handle or id of a person (an account not on the
allow-list) appears in any text column of any table, nor in an export.
"""

import gzip
import json
import re
from pathlib import Path

import duckdb
import pytest

from tests.app.test_cli import essaim
from tests.graph.test_identifiers import links_run, telegram_run

PSEUDONYM = re.compile(r"[up]_[0-9a-f]{20}")
# An at sign (any form) before a letter, digit or _ that does not start a mask or a pseudonym.
UNMASKED_MENTION = re.compile(r"[@\ufe6b\uff20](?!…|u_[0-9a-f]{20})[\w\u200b-\u200d]")
DID = re.compile(r"did(?::|%3a)[a-z0-9]+(?::|%3a)\w", re.I)
# The part of a profile link that names its account.
PROFILE = re.compile(r"(?:bsky\.app/profile/|t\.me/(?:s/)?|/users/|/@)([^/?#\s\"']+)")


def report_of(config) -> dict:
    result = essaim("--config", config, "privacy-report", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def distinct(connection, table, column):
    sql = f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{table}" WHERE "{column}" IS NOT NULL'
    return [value for (value,) in connection.execute(sql).fetchall() if value != ""]


def check_claims(database: Path, report: dict, institutions: set[str] = frozenset()) -> None:
    """Every claim of the report holds in ``database``."""
    assert report["stored"], "the report says nothing of what is stored"
    with duckdb.connect(str(database), read_only=True) as connection:
        named = {a for (a,) in connection.execute("SELECT account_id FROM accounts WHERE named")
                 .fetchall()} | set(institutions)  # fmt: skip
        named_sql = "(SELECT account_id FROM accounts WHERE named)"
        for table, treatments in report["stored"].items():
            columns = [c for (c,) in connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [table]).fetchall()]  # fmt: skip
            claimed = [column for listed in treatments.values() for column in listed]
            assert sorted(claimed) == sorted(columns), table  # each column, once
            for column in treatments["pseudonymised"]:
                strays = [v for v in distinct(connection, table, column)
                          if not PSEUDONYM.fullmatch(v) and v not in named]  # fmt: skip
                assert not strays, (table, column, strays[:3])
            for column in treatments["dropped"]:
                rows = {"accounts": "NOT named", "posts": f"author_id NOT IN {named_sql}"}
                where = "true" if column == "text" else rows[table]
                (kept,) = connection.execute(
                    f'SELECT count("{column}") FROM "{table}" WHERE {where}'
                ).fetchone()
                assert kept == 0, (table, column)
            for column in treatments["masked"]:
                for value in distinct(connection, table, column):
                    assert not UNMASKED_MENTION.search(value), (table, column, value)
                    assert not DID.search(value), (table, column, value)
                    for who in PROFILE.findall(value):
                        assert who == "…" or PSEUDONYM.fullmatch(who) or who in named, value
                    if (table, column) == ("posts", "text"):
                        assert len(value) <= 200


def identifier_forms(raw_dir: Path, database: Path) -> set[str]:
    """Every handle and id (five characters or more, lower case) of the accounts in the raw
    runs that are not named in the database."""
    with duckdb.connect(str(database), read_only=True) as connection:
        named = {(p, (v or "").lower())
                 for p, a, h in connection.execute(
                     "SELECT platform, account_id, handle FROM accounts WHERE named").fetchall()
                 for v in (a, h)}  # fmt: skip
    forms = set()
    for path in raw_dir.rglob("*.jsonl.gz"):
        for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines():
            if '"type":"account"' not in line:
                continue
            record = json.loads(line)
            keys = {(record["platform"], (record.get(k) or "").lower())
                    for k in ("account_id", "handle")}  # fmt: skip
            if not keys & named:
                forms |= {value for _, value in keys if len(value) >= 5}
    return forms


def leaks(database: Path, forms: set[str]) -> dict:
    """Per table and column (every text, list, struct and JSON column of every table), one
    value holding one of ``forms``."""
    found = {}
    with duckdb.connect(str(database), read_only=True) as connection:
        connection.execute("CREATE TEMP TABLE forms AS SELECT unnest(?::VARCHAR[]) AS form",
                           [sorted(forms)])  # fmt: skip
        columns = connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE "
            "table_schema = 'main' AND table_catalog <> 'temp' AND (data_type LIKE '%VARCHAR%' "
            "OR data_type LIKE '%STRUCT%' OR data_type = 'JSON')"
        ).fetchall()
        assert ("posts", "channel") in columns and ("runs", "parameters") in columns
        for table, column in columns:
            values = f'SELECT DISTINCT lower(CAST("{column}" AS VARCHAR)) AS v FROM "{table}"'
            [(form, value)] = connection.execute(
                f"SELECT any_value(f.form), any_value(v) FROM ({values}) "
                "JOIN forms f ON contains(v, f.form)"
            ).fetchall()
            if form:
                found[(table, column)] = (form, value[:200])
    return found


def file_leaks(folder: Path, forms: set[str]) -> dict:
    found = {}
    pattern = re.compile("|".join(map(re.escape, sorted(forms, key=len, reverse=True))))
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".md", ".gexf", ".graphml"):
            hit = pattern.search(path.read_text("utf-8", errors="replace").lower())
            if hit:
                found[path.name] = hit[0]
    return found


# --- a crafted store -------------------------------------------------------------------------

INSTITUTIONS = "platform,account_id,handle,name\ntelegram,,einspe_actus,e-INSPÉ\n"


@pytest.fixture
def crafted(tmp_path):
    """A data folder loaded with excerpts from a Telegram run (two channels, one allow-listed,
    texts with every form of identifier, an incident) and a Bluesky post of profile links."""
    raw = tmp_path / "data" / "raw"
    telegram_run(raw)
    links_run(raw)
    (tmp_path / "institutions.csv").write_text(INSTITUTIONS)
    config = tmp_path / "essaim.toml"
    config.write_text(
        'data_dir = "data"\n[privacy]\nkeep_text = "excerpt"\n[tracking]\n'
        'institutions = "institutions.csv"\n[links]\nresolve_shorteners = false\n'
    )
    result = essaim("--config", config, "load")
    assert result.returncode == 0, result.stderr
    return config


def test_the_report_says_what_each_column_holds_and_the_database_agrees(crafted):
    data = crafted.parent / "data"
    report = report_of(crafted)
    assert report["warnings"] == []
    posts, runs = report["stored"]["posts"], report["stored"]["runs"]
    assert posts["pseudonymised"] == [
        "post_id", "author_id", "reply_to", "quote_of", "repost_of", "channel",
    ]  # fmt: skip
    assert posts["masked"] == ["text", "subreddit"] and posts["dropped"] == ["url"]
    assert runs["masked"] == ["query", "parameters", "incidents"]
    assert report["stored"]["links"]["masked"] == ["url", "resolved_url", "url_key", "match_reason"]
    assert report["stored"]["accounts"]["dropped"] == ["handle", "display_name"]
    check_claims(data / "essaim.duckdb", report, {"einspe_actus"})
    forms = identifier_forms(data / "raw", data / "essaim.duckdb")
    assert {"profs_celine_23", "did:plc:ana", "ana.example"} <= forms
    assert "einspe_actus" not in forms  # allow-listed: it keeps its name
    assert leaks(data / "essaim.duckdb", forms | {"alice.bsky.social", "jdupont"}) == {}
    markdown = essaim("--config", crafted, "privacy-report").stdout
    assert "## What is stored" in markdown
    assert "- **posts** (public posts linking or spreading resources): pseudonymised " in markdown
    assert "; masked text, subreddit (" in markdown and "; dropped url;" in markdown


def test_the_report_follows_the_texts_actually_stored_and_the_mode(crafted):
    data = crafted.parent / "data"
    assert essaim("--config", crafted, "prune", "--keep-text", "none").returncode == 0
    report = report_of(crafted)
    assert "text" in report["stored"]["posts"]["dropped"]
    check_claims(data / "essaim.duckdb", report, {"einspe_actus"})
    config = crafted.parent / "off.toml"
    config.write_text('data_dir = "off"\n[privacy]\nkeep_text = "full"\n')
    (crafted.parent / "off").mkdir()
    (crafted.parent / "data" / "raw").rename(crafted.parent / "off" / "raw")
    assert essaim("--config", config, "load", "--no-pseudonymise").returncode == 0
    report = report_of(config)
    assert report["stored"]["posts"]["kept"][:3] == ["platform", "post_id", "url"]
    assert all(
        not treatments[name] for treatments in report["stored"].values()
        for name in ("pseudonymised", "masked", "dropped")
    )  # fmt: skip


def test_a_store_loaded_by_an_earlier_version_is_named_in_the_report(crafted):
    database = crafted.parent / "data" / "essaim.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("DELETE FROM settings WHERE name = 'identifier_rules'")
    assert "earlier version" in report_of(crafted)["warnings"][0]


# --- the demo --------------------------------------------------------------------------------


def test_the_demo_names_no_person_in_the_database_nor_in_an_export(demo_run, tmp_path):
    finished, data = demo_run
    assert finished.returncode == 0, finished.stderr[-2000:]
    config, database = data / "essaim-demo.toml", data / "essaim.duckdb"
    report = report_of(config)
    check_claims(database, report)
    forms = identifier_forms(data / "raw", database)
    assert len(forms) > 1000 and "profs_celine_23" in forms
    assert leaks(database, forms) == {}
    folder = tmp_path / "export"
    exported = essaim("--config", config, "export", "--no-graphs", "--out", folder)
    assert exported.returncode == 0, exported.stderr
    assert (folder / "tables" / "communities.csv").exists()
    assert file_leaks(folder, forms) == {}
