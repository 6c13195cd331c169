"""Telegram channel previews: parsing saved pages, and ``essaim collect telegram`` over HTTP.

Expected records are read off the fixture pages by hand (tests/fixtures/telegram).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.demo.replay import ReplayServer
from collectors.parsing import ParseContext, ParseError
from collectors.rawrun import Payload, find_runs, read_manifest
from collectors.records import Account, Interaction, Post
from collectors.telegram.parsers import parse_payload
from tests.collectors.collecting import essaim, store_counts, write_config
from tests.fixtures import telegram

READ_AT = datetime(2026, 9, 16, 10, 0, tzinfo=UTC)
COURSE = "https://www.e-inspe.fr/course/view.php?id=103&xtor=CS1-12"


def parse(name, url="https://t.me/s/profs_numerique"):
    stored = Payload(
        seq=3,
        received_at=READ_AT,
        url=url,
        status=200,
        headers=dict(telegram.HTML),
        body=telegram.page(name).decode(),
    )
    return parse_payload(stored, ParseContext("telegram", "r", READ_AT))


def test_a_channel_page_gives_the_channel_its_messages_forwards_and_replies():
    records = parse("profs_numerique.html")
    (channel,) = [r for r in records if isinstance(r, Account)]
    assert (channel.account_id, channel.display_name, channel.followers_count) == (
        "profs_numerique",
        "Profs & numérique",
        12_300,
    )
    posts = {r.post_id: r for r in records if isinstance(r, Post)}
    assert sorted(posts) == ["profs_numerique/40", "profs_numerique/42"]  # 41: a service note
    forward = posts["profs_numerique/40"]
    assert forward.repost_of == "einspe_actus/7"  # the link said "EInspe_Actus"
    assert forward.links == [COURSE]  # the text's link and the preview's, once
    assert forward.text == (
        "Nouveau parcours : Différencier sa pédagogie\n\n"
        "👉 e-inspe.fr/course/view.php?id=103\n#formation #INSPE"
    )
    assert forward.community.hashtags == ["formation", "inspe"]
    assert forward.engagement.views == 1200
    assert forward.created_at == datetime(2026, 9, 14, 8, 30, tzinfo=UTC)
    reply = posts["profs_numerique/42"]
    assert reply.reply_to == "profs_numerique/40"
    assert reply.links == ["https://t.me/einspe_actus"]
    assert reply.engagement.views == 857
    assert "Claire" not in str(records)  # the signature of who wrote it is not kept
    acts = {
        (r.kind, r.actor_id, r.target_post_id, r.post_id)
        for r in records
        if isinstance(r, Interaction)
    }
    assert acts == {
        ("forward", "profs_numerique", "einspe_actus/7", "profs_numerique/40"),
        ("reply", "profs_numerique", "profs_numerique/40", "profs_numerique/42"),
    }


def test_a_forward_from_a_hidden_source_is_no_repost():
    records = parse("profs_numerique-before-40.html")
    posts = {r.post_id: r for r in records if isinstance(r, Post)}
    assert posts["profs_numerique/38"].repost_of is None
    assert posts["profs_numerique/38"].engagement.views == 3400  # "3,4K"
    assert not [r for r in records if isinstance(r, Interaction)]


def test_a_page_without_channel_history_is_an_error_naming_the_payload():
    with pytest.raises(ParseError, match="payload 3: the page shows no public channel"):
        parse("not_a_channel.html", "https://t.me/s/salle_des_profs")


@pytest.fixture
def server():
    with ReplayServer() as replay:
        telegram.serve_channels(replay)
        yield replay


def test_channels_are_read_back_in_time_to_their_first_message(tmp_path, server):
    config = write_config(tmp_path, server.url)
    result = essaim(
        config,
        "collect",
        "telegram",
        "--channel",
        "profs_numerique",
        "--channel",
        "@einspe_actus",
        "--channel",
        "salle_des_profs",
    )
    assert result.returncode == 0, result.stderr
    assert "the page shows no public channel history" in result.stderr
    (manifest,) = [read_manifest(p) for p in find_runs(tmp_path / "data" / "raw")]
    assert manifest.counts["payloads"] == 6
    targets = sorted(target for _, target, *_ in server.requests)
    assert targets == [
        "/robots.txt",
        "/s/einspe_actus",
        "/s/einspe_actus?before=7",
        "/s/profs_numerique",
        "/s/profs_numerique?before=38",  # no link to older messages: before the oldest
        "/s/profs_numerique?before=40",
        "/s/salle_des_profs",
    ]
    assert essaim(config, "load", "--offline").returncode == 0
    counts = store_counts(tmp_path / "data" / "essaim.duckdb")
    assert counts["posts"] == 5  # 40, 42, 38, 39 and einspe_actus/7
    assert counts["interactions"] == {"forward": 1, "reply": 1}
    assert counts["accounts"] == 2


def test_since_stops_the_paging(tmp_path, server):
    config = write_config(tmp_path, server.url)
    result = essaim(
        config, "collect", "telegram", "--channel", "profs_numerique", "--since", "2026-09-15"
    )
    assert result.returncode == 0, result.stderr
    assert server.count("/s/profs_numerique?before") == 0
