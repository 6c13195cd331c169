"""End to end: forum threads, Discourse topics and Telegram forwards become cascades.

``collect forum`` and ``collect telegram`` over HTTP, then ``load`` and ``analyze``; the
expected cascades are read off the fixture pages: in the phpBB topic, alice links course 103
(p101), bob quotes her (p102) and carole.m quotes bob (p104); on Telegram, einspe_actus
posts course 103 (message 7), profs_numerique forwards it (40) and answers its forward (42);
on Discourse, marie links it (post 1), jules quotes her (2) and ines quotes jules (23).
"""

from __future__ import annotations

import duckdb

from app.demo.replay import ReplayServer
from tests.collectors.collecting import essaim, write_config
from tests.fixtures import discourse_site, forums, telegram

COURSE = "einspe-differenciation"  # https://www.e-inspe.fr/course/view.php?id=103


def test_forum_threads_and_telegram_forwards_are_cascades(tmp_path):
    with ReplayServer() as forum_server, ReplayServer() as telegram_server:
        forum_url = forums.serve_phpbb(forum_server)
        telegram.serve_channels(telegram_server)
        discourse_url = discourse_site.serve(telegram_server)
        config = write_config(tmp_path, telegram_server.url)
        for arguments in (
            ("forum", "--url", forum_url),
            ("telegram", "--channel", "profs_numerique", "--channel", "einspe_actus"),
            ("discourse", "--url", discourse_url, "--query", "e-inspe.fr"),
        ):
            assert essaim(config, "collect", *arguments).returncode == 0
    assert essaim(config, "load", "--offline", "--no-pseudonymise").returncode == 0
    result = essaim(config, "analyze")
    assert result.returncode == 0, result.stderr
    forum = forum_url.split("://")[1].removesuffix("/index.php")
    topic = f"{discourse_url.split('://')[1].split('/')[0]}/t/42"
    with duckdb.connect(str(tmp_path / "data" / "essaim.duckdb"), read_only=True) as db:
        rows = db.execute(
            "SELECT platform, root_post_id, post_id, kind, parent_post_id FROM adoptions "
            "WHERE resource_id = ? ORDER BY platform, adopted_at",
            [COURSE],
        ).fetchall()
        sizes = dict(
            db.execute(
                "SELECT root_post_id, size FROM cascades WHERE resource_id = ?", [COURSE]
            ).fetchall()
        )
    assert rows == [
        ("discourse", f"{topic}/1", f"{topic}/1", "link-in-forum", None),
        ("discourse", f"{topic}/1", f"{topic}/2", "quote", f"{topic}/1"),  # and a reply
        ("discourse", f"{topic}/1", f"{topic}/23", "quote", f"{topic}/2"),
        ("forum", f"{forum}/p101", f"{forum}/p101", "link-in-forum", None),
        ("forum", f"{forum}/p101", f"{forum}/p102", "reply", f"{forum}/p101"),
        ("forum", f"{forum}/p101", f"{forum}/p104", "reply", f"{forum}/p102"),
        ("telegram", "einspe_actus/7", "einspe_actus/7", "original", None),
        ("telegram", "einspe_actus/7", "profs_numerique/40", "repost", "einspe_actus/7"),
        ("telegram", "einspe_actus/7", "profs_numerique/42", "reply", "profs_numerique/40"),
    ]
    # Three accounts in the thread; two channels on Telegram (profs_numerique adopts once).
    assert sizes == {f"{topic}/1": 3, f"{forum}/p101": 3, "einspe_actus/7": 2}
