"""Whose followers the Mastodon spider asks for, and where: once per sharer, on the sharer's
home instance when the collection reads it (another instance knows only its own accounts
among a remote account's followers)."""

from collectors.mastodon.spider import MastodonOptions, MastodonSpider

A, B = "https://a.example", "https://b.example"


def spider():
    options = MastodonOptions(instances=["A.Example", B + "/"], follows=True)
    return MastodonSpider(options, run=None, checkpoint={})


def asked(requests):
    return [(request.url, request.meta["note"]) for request in requests]


def test_a_sharer_seen_on_another_instance_is_looked_up_and_read_at_home():
    crawler = spider()
    # ana lives on a.example (configured as "A.Example"); b.example shows her under its own id
    (lookup,) = crawler.followers({"id": "9001", "acct": "ana@a.example"}, B)
    assert lookup.url == f"{A}/api/v1/accounts/lookup?acct=ana"
    home_view = {"id": "7", "acct": "ana", "hide_collections": False}
    (followers,) = lookup.cb_kwargs["on_data"](home_view, None)
    assert asked([followers]) == [
        (f"{A}/api/v1/accounts/7/followers?limit=80", {"account": "ana@a.example"})
    ]
    # seen again on b.example: neither looked up nor read again
    assert list(crawler.followers({"id": "9001", "acct": "ana@a.example"}, B)) == []


def test_a_sharer_whose_home_is_not_read_is_read_where_seen():
    (followers,) = spider().followers({"id": "9002", "acct": "zoe@c.example"}, B)
    assert asked([followers]) == [
        (f"{B}/api/v1/accounts/9002/followers?limit=80", {"account": "zoe@c.example"})
    ]


def test_a_sharer_is_asked_once_whether_seen_at_home_or_elsewhere_first():
    crawler = spider()
    (first,) = crawler.followers({"id": "7", "acct": "ana"}, "https://A.Example")
    assert asked([first]) == [
        (f"{A}/api/v1/accounts/7/followers?limit=80", {"account": "ana@a.example"})
    ]
    assert list(crawler.followers({"id": "9001", "acct": "ana@a.example"}, B)) == []


def test_namesakes_on_two_instances_are_two_sharers():
    crawler = spider()
    on_a = asked(crawler.followers({"id": "7", "acct": "lea"}, A))
    on_b = asked(crawler.followers({"id": "8", "acct": "lea"}, B))
    assert on_a == [(f"{A}/api/v1/accounts/7/followers?limit=80", {"account": "lea@a.example"})]
    assert on_b == [(f"{B}/api/v1/accounts/8/followers?limit=80", {"account": "lea@b.example"})]


def test_a_home_that_hides_the_followers_or_no_longer_knows_the_sharer_is_not_asked():
    crawler = spider()
    (lookup,) = crawler.followers({"id": "9001", "acct": "ana@a.example"}, B)
    on_data = lookup.cb_kwargs["on_data"]
    assert list(on_data({"id": "7", "acct": "ana", "hide_collections": True}, None)) == []
    assert list(on_data({"error": "Record not found"}, None)) == []  # 404
    nobot = {"id": "7", "acct": "ana", "note": "<p>#nobot</p>"}
    assert list(on_data(nobot, None)) == []
    assert list(on_data({"id": "8", "acct": "anabelle"}, None)) == []  # not the one asked for


def test_a_sharer_hiding_its_network_where_seen_is_not_looked_up():
    hidden = {"id": "9001", "acct": "ana@a.example", "hide_collections": True}
    assert list(spider().followers(hidden, B)) == []
