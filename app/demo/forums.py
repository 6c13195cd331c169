"""The demo's forums and channels: a phpBB teacher forum, a Discourse forum, Telegram channels.

Forums do not spread resources along follow edges: a teacher opens a topic with a link,
colleagues answer, some quote the message they answer (the only trace of who answered
whom), a few post the link again. On Telegram, institutions' channels post resources and
teachers' channels forward them, or post them themselves. This part of the world is drawn
apart from the Bluesky and Mastodon network (its own random stream, so that network is the
same whatever is drawn here), with its own truth, and written in each platform's real
format: phpBB pages, Discourse's JSON API, ``t.me/s`` previews.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from app.demo.recording import Recording
from app.demo.timing import settle
from app.demo.world import _FIRST_NAMES, iso_time

__all__ = ["DISCOURSE", "FORUM_INDEX", "TELEGRAM", "ForumShape", "add_forums"]

FORUM_ROOT = "http://forum.profs-ecoles.example/forum/"
FORUM_INDEX = FORUM_ROOT + "index.php"
FORUM_KEY = "forum.profs-ecoles.example/forum"  # how the forum parser names this forum
DISCOURSE = "http://echanges.enseignants.example"
DISCOURSE_HOST = "echanges.enseignants.example"
TELEGRAM = "http://t.me"
INSTITUTION_CHANNELS = {"einspe_actus": "e-INSPÉ actus", "reseaucanope_actus": "Réseau Canopé"}
BOARDS = ["Maternelle", "Élémentaire", "Collège et lycée"]
_TOPICS_PER_PAGE, _MESSAGES_PER_PAGE, _CHANNEL_PAGE = 25, 15, 20
_OPENERS = [
    "Je partage ce parcours, très utile pour la rentrée :",
    "Quelqu'un a suivi celui-ci ?",
    "Conseillé par ma CPC :",
    "Pour celles et ceux qui débutent :",
]
_ANSWERS = [
    "Merci pour le partage !",
    "Je l'ai fait l'an dernier, je recommande.",
    "C'est long ? Combien d'heures en tout ?",
    "Super, je m'inscris.",
    "On l'a vu en animation pédagogique.",
    "Est-ce qu'il y a une attestation à la fin ?",
]
_CHATTER = ["Sortie scolaire", "Cahier journal", "Réunion de rentrée", "Rallye lecture"]


@dataclass(frozen=True)
class ForumShape:
    """How much happens on the forums and channels."""

    forum_members: int = 240
    discourse_members: int = 120
    teacher_channels: int = 8
    topics: float = 2.0  # topics opened about a resource on each forum, at appeal 1
    chatter_topics: int = 30  # topics about other things on the phpBB forum
    answers: float = 5.0  # mean answers per topic (geometric: most short, a few long)
    quote: float = 0.45  # chance that an answer quotes the message it answers
    relink: float = 0.08  # chance that an answer posts the link again
    forward: float = 0.35  # chance that a teacher's channel forwards an institution's post
    channel_post: float = 0.15  # chance that a teacher's channel posts a resource itself
    median_delay_hours: float = 5.0
    delay_sigma: float = 1.3

    def scaled(self, scale: float) -> ForumShape:
        """The same forums with ``scale`` times as many members and topics."""
        return ForumShape(
            **{
                **self.__dict__,
                "forum_members": max(10, round(self.forum_members * scale)),
                "discourse_members": max(10, round(self.discourse_members * scale)),
                "topics": self.topics * scale,
                "chatter_topics": round(self.chatter_topics * scale),
            }
        )


@dataclass
class _Message:
    """A forum message, a Discourse post or a channel message, and its truth."""

    number: int
    author: str
    at: pd.Timestamp
    text: str  # plain words; the link (if any) is written after them
    link: str | None = None
    link_form: str | None = None
    resource_id: str | None = None
    answers: int | None = None  # the message it answers (its number), if it says so
    quoted: bool = False  # answers by quoting (else by replying, on Discourse)
    source: _Message | None = None  # the channel message this one forwards
    post_id: int | None = None  # its id across the Discourse site
    event: int | None = None  # its row in the truth, when it adopts a resource


class _Truth:
    """Adoption events and accounts of this part of the world, as the truth files hold them."""

    def __init__(self, first_event: int) -> None:
        self.events: list[dict[str, Any]] = []
        self.accounts: dict[tuple[str, str], dict[str, Any]] = {}
        self.first = first_event

    def account(self, platform: str, account_id: str, handle: str, kind: str = "person"):
        self.accounts[(platform, account_id)] = {
            "platform": platform, "account_id": account_id, "handle": handle, "kind": kind,
            "community": "", "level": "", "discipline": "", "academie": "", "cohort": "",
            "instance": "",
        }  # fmt: skip

    def adopt(self, platform, account_id, message: _Message, kind, parent: _Message | None):
        message.event = self.first + len(self.events)
        self.events.append(
            {
                "event": message.event,
                "resource_id": message.resource_id,
                "platform": platform,
                "account_id": account_id,
                "kind": kind,
                "at": message.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "parent": parent.event if parent is not None else -1,
                "parent_account_id": None,
                "target": parent.event if parent is not None else -1,
                "origin": "forum" if parent is None else "reaction",
                "campaign": None,
                "link": message.link,
                "link_form": message.link_form,
            }
        )
        if parent is not None:
            self.events[-1]["parent_account_id"] = self.events[parent.event - self.first][
                "account_id"
            ]

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return pd.DataFrame(self.events), pd.DataFrame(list(self.accounts.values()))


def add_forums(
    recording: Recording,
    resources: pd.DataFrame,
    start: str,
    end: str,
    first_event: int,
    rng: np.random.Generator,
    shape: ForumShape = ForumShape(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the forums and channels, record their pages; return the truth (events, accounts)."""
    period = (pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC"))
    appeal = rng.lognormal(0.0, 0.8, size=len(resources))
    truth = _Truth(first_event)
    members = _names(rng, shape.forum_members, "")
    topics = _threads(resources, appeal, members, period, shape, rng, truth, "forum", FORUM_KEY)
    for title in _CHATTER * (shape.chatter_topics // len(_CHATTER)):
        topics.append(_chatter(title, members, period, shape, rng))
    _write_phpbb(recording, topics)
    people = _names(rng, shape.discourse_members, ".")
    threads = _threads(
        resources, appeal, people, period, shape, rng, truth, "discourse", DISCOURSE_HOST
    )
    _write_discourse(recording, threads)
    channels = _channels(resources, period, shape, rng, truth)
    _write_telegram(recording, channels)
    return truth.frames()


def _names(rng: np.random.Generator, count: int, joiner: str) -> list[str]:
    firsts = rng.choice(_FIRST_NAMES, size=count)
    numbers = rng.choice(np.arange(10, 10 + 10 * max(count, 100)), size=count, replace=False)
    return [f"{first}{joiner}{number}" for first, number in zip(firsts, numbers, strict=True)]


def _settled(at: pd.Timestamp, rng: np.random.Generator) -> pd.Timestamp:
    """``at``, or later: at an hour when teachers post (:func:`app.demo.timing.settle`),
    to the second (forum pages print no finer)."""
    return settle(pd.DatetimeIndex([at]), rng)[0].floor("s")


def _moment(start: pd.Timestamp, end: pd.Timestamp, rng: np.random.Generator) -> pd.Timestamp:
    """A time drawn evenly in the period, two days before its end at the latest."""
    return start + (end - start - pd.Timedelta(days=2)) * float(rng.random())


def _delay(shape: ForumShape, rng: np.random.Generator) -> pd.Timedelta:
    hours = rng.lognormal(np.log(shape.median_delay_hours), shape.delay_sigma)
    return pd.Timedelta(hours=float(hours))


def _link(url: str, rng: np.random.Generator) -> tuple[str, str]:
    if rng.random() < 0.3:
        return url.replace("://www.", "://"), "no-www"
    return url, "clean"


def _threads(resources, appeal, members, period, shape, rng, truth, platform, place):
    """Topics about resources: opened with a link, answered, quoted, linked again."""
    start, end = period
    topics: list[dict[str, Any]] = []
    number = 0
    for position, resource in enumerate(resources.itertuples(index=False)):
        adopted: set[str] = set()  # everyone adopts a resource once, whatever the topic
        for _ in range(rng.poisson(shape.topics * appeal[position])):
            opened = _moment(start, end, rng)
            author = str(rng.choice([member for member in members if member not in adopted]))
            link, form = _link(resource.url, rng)
            number += 1
            root = _Message(number, author, _settled(opened, rng), str(rng.choice(_OPENERS)),
                            link, form, resource.resource_id)  # fmt: skip
            truth.account(platform, f"{author}@{place}", author)
            truth.adopt(platform, f"{author}@{place}", root, "post", None)
            messages = [root]
            adopted.add(author)
            at = root.at
            for _ in range(rng.geometric(1 / (1 + shape.answers)) - 1):
                at = _settled(at + _delay(shape, rng), rng)
                if at >= end:
                    break
                number += 1
                writer = str(rng.choice(members))
                answered = messages[int(rng.integers(len(messages)))]
                message = _Message(number, writer, at, str(rng.choice(_ANSWERS)))
                draw = rng.random()
                if writer not in adopted and draw < shape.relink:
                    message.link, message.link_form = _link(resource.url, rng)
                    message.resource_id = resource.resource_id
                    kind, parent = "post", root
                elif writer not in adopted and draw < shape.relink + shape.quote:
                    message.answers, message.quoted = answered.number, True
                    if answered.event is not None:
                        message.resource_id, kind, parent = resource.resource_id, "reply", answered
                elif platform == "discourse" and writer not in adopted and draw < 0.8:
                    message.answers = answered.number  # a reply to that post, not a quote
                    if answered.event is not None:
                        message.resource_id, kind, parent = resource.resource_id, "reply", answered
                if message.resource_id is not None:
                    adopted.add(writer)
                    truth.account(platform, f"{writer}@{place}", writer)
                    truth.adopt(platform, f"{writer}@{place}", message, kind, parent)
                messages.append(message)
            board = BOARDS[int(rng.integers(len(BOARDS)))]
            topics.append({"title": resource.title, "board": board, "messages": messages})
    return topics


def _chatter(title, members, period, shape, rng) -> dict[str, Any]:
    start, end = period
    at = _settled(_moment(start, end, rng), rng)
    messages = [_Message(0, str(rng.choice(members)), at, "Des idées pour ça ?")]
    for _ in range(rng.geometric(1 / (1 + shape.answers)) - 1):
        at = _settled(at + _delay(shape, rng), rng)
        messages.append(_Message(0, str(rng.choice(members)), at, str(rng.choice(_ANSWERS))))
    board = BOARDS[int(rng.integers(len(BOARDS)))]
    return {"title": title, "board": board, "messages": [m for m in messages if m.at < end]}


# --- phpBB --------------------------------------------------------------------------------


def _write_phpbb(recording: Recording, topics: list[dict[str, Any]]) -> None:
    """The forum's index, boards (25 topics a page) and topics (15 messages a page)."""
    order = np.argsort([topic["messages"][0].at for topic in topics], kind="stable")
    topics = [topics[i] for i in order]
    number = 100
    for topic_id, topic in enumerate(topics, start=1):
        topic["id"] = topic_id
        renumbered = {}
        for message in topic["messages"]:
            number += 1
            renumbered[message.number] = number
            message.number = number
        for message in topic["messages"]:
            if message.answers is not None:
                message.answers = renumbered.get(message.answers)
    boards = "".join(
        f'<li class="row"><dl class="row-item forum_read"><dt><div class="list-inner">'
        f'<a href="./viewforum.php?f={i}" class="forumtitle">{html.escape(name)}</a>'
        "</div></dt></dl></li>"
        for i, name in enumerate(BOARDS, start=1)
    )
    recording.add(
        FORUM_INDEX, _phpbb("Index du forum", f'<ul class="topiclist forums">{boards}</ul>')
    )
    for board_id, name in enumerate(BOARDS, start=1):
        listed = [t for t in topics if t["board"] == name][::-1]  # latest first
        pages = max(1, -(-len(listed) // _TOPICS_PER_PAGE))
        for page in range(pages):
            rows = "".join(
                f'<li class="row"><dl class="row-item topic_read"><dt><div class="list-inner">'
                f'<a href="./viewtopic.php?t={t["id"]}" class="topictitle">'
                f"{html.escape(t['title'])}</a></div></dt></dl></li>"
                for t in listed[page * _TOPICS_PER_PAGE : (page + 1) * _TOPICS_PER_PAGE]
            )
            url = f"{FORUM_ROOT}viewforum.php?f={board_id}" + (
                f"&start={page * _TOPICS_PER_PAGE}" if page else ""
            )
            body = (
                f'<h2 class="forum-title"><a href="./viewforum.php?f={board_id}">'
                f"{html.escape(name)}</a></h2>"
                + _pagination(f"./viewforum.php?f={board_id}", page, pages, _TOPICS_PER_PAGE)
                + f'<div class="forumbg"><ul class="topiclist topics">{rows}</ul></div>'
            )
            recording.add(url, _phpbb(name, body))
    for topic in topics:
        messages = topic["messages"]
        by_number = {m.number: m for m in messages}
        pages = -(-len(messages) // _MESSAGES_PER_PAGE)
        for page in range(pages):
            shown = messages[page * _MESSAGES_PER_PAGE : (page + 1) * _MESSAGES_PER_PAGE]
            posts = "".join(_phpbb_message(m, by_number.get(m.answers)) for m in shown)
            base = f"./viewtopic.php?t={topic['id']}"
            body = (
                f'<h2 class="topic-title"><a href="{base}">{html.escape(topic["title"])}</a></h2>'
                + _pagination(base, page, pages, _MESSAGES_PER_PAGE)
                + posts
            )
            url = f"{FORUM_ROOT}viewtopic.php?t={topic['id']}" + (
                f"&start={page * _MESSAGES_PER_PAGE}" if page else ""
            )
            recording.add(url, _phpbb(topic["title"], body))


def _phpbb(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html dir="ltr" lang="fr">\n<head><meta charset="utf-8" />'
        f"<title>{html.escape(title)} - Forum des profs d'école</title></head>\n"
        f'<body id="phpbb" class="nojs notouch ltr">\n<div id="page-body" class="page-body">'
        f"\n{body}\n</div>\n</body>\n</html>\n"
    )


def _pagination(base: str, page: int, pages: int, size: int) -> str:
    if pages <= 1:
        return ""
    items = "".join(
        f'<li class="active"><span>{p + 1}</span></li>'
        if p == page
        else f'<li><a class="button" href="{base}&amp;start={p * size}">{p + 1}</a></li>'
        for p in range(pages)
    )
    if page + 1 < pages:
        items += (
            f'<li class="arrow next"><a class="button button-icon-only" '
            f'href="{base}&amp;start={(page + 1) * size}" rel="next">Suivante</a></li>'
        )
    return f'<div class="action-bar bar-top"><div class="pagination"><ul>{items}</ul></div></div>'


def _words(message: _Message) -> str:
    text = html.escape(message.text)
    if message.link:
        link = html.escape(message.link)
        text += f' <a href="{link}" class="postlink">{link}</a>'
    return text


def _phpbb_message(message: _Message, answered: _Message | None) -> str:
    profile = f"./memberlist.php?mode=viewprofile&amp;un={html.escape(message.author)}"
    quote = ""
    if message.quoted and answered is not None:
        quote = (
            f'<blockquote cite="./viewtopic.php?p={answered.number}#p{answered.number}"><div>'
            f"<cite>{html.escape(answered.author)} a écrit :</cite>{_words(answered)}"
            "</div></blockquote>"
        )
    return (
        f'<div id="p{message.number}" class="post has-profile bg2"><div class="inner">'
        f'<dl class="postprofile"><dt><a href="{profile}" class="username">'
        f"{html.escape(message.author)}</a></dt></dl>"
        f'<div class="postbody"><div id="post_content{message.number}">'
        f'<p class="author"><span class="responsive-hide">par <strong><a href="{profile}" '
        f'class="username">{html.escape(message.author)}</a></strong> » </span>'
        f'<time datetime="{message.at.strftime("%Y-%m-%dT%H:%M:%S+00:00")}">'
        f"{message.at.tz_convert('Europe/Paris').strftime('%d/%m/%Y %H:%M')}</time></p>"
        f'<div class="content">{quote}{_words(message)}</div></div></div></div></div>\n'
    )


# --- Discourse ------------------------------------------------------------------------------


def _write_discourse(recording: Recording, topics: list[dict[str, Any]]) -> None:
    """Search results for the tracked domains, topics (20 posts each) and later batches."""
    post_id = 5000
    for topic_id, topic in enumerate(topics, start=1):
        topic["id"] = topic_id
        numbers = {}
        for position, message in enumerate(topic["messages"], start=1):
            post_id += 1
            numbers[message.number] = position
            message.number, message.post_id = position, post_id
        for message in topic["messages"]:
            if message.answers is not None:
                message.answers = numbers[message.answers]
        posts = [_discourse_post(topic, m) for m in topic["messages"]]
        recording.add(
            f"{DISCOURSE}/t/{topic_id}.json",
            {
                "post_stream": {"posts": posts[:20], "stream": [p["id"] for p in posts]},
                "id": topic_id,
                "title": topic["title"],
                "slug": f"sujet-{topic_id}",
                "posts_count": len(posts),
                "created_at": posts[0]["created_at"],
                "category_id": 1 + BOARDS.index(topic["board"]),
                "tags": ["formation"],
                "chunk_size": 20,
            },
        )
        rest = [p["id"] for p in posts[20:]]
        for start in range(0, len(rest), 20):
            batch = "&".join(f"post_ids[]={number}" for number in rest[start : start + 20])
            recording.add(
                f"{DISCOURSE}/t/{topic_id}/posts.json?{batch}",
                {"post_stream": {"posts": posts[20 + start : 20 + start + 20]}, "id": topic_id},
            )
    for domain in ("e-inspe.fr", "reseau-canope.fr"):
        found = [
            (topic, message)
            for topic in topics
            for message in topic["messages"]
            if message.link and domain in message.link
        ]
        pages = max(1, -(-len(found) // 50))
        for page in range(pages):
            shown = found[page * 50 : (page + 1) * 50]
            query = f"q={domain}" + (f"&page={page + 1}" if page else "")
            recording.add(
                f"{DISCOURSE}/search.json?{query}",
                {
                    "posts": [
                        {
                            "id": m.post_id,
                            "username": m.author,
                            "topic_id": t["id"],
                            "post_number": m.number,
                            "blurb": m.text,
                        }
                        for t, m in shown
                    ],
                    "topics": [],
                    "users": [],
                    "grouped_search_result": {
                        "term": domain,
                        "more_full_page_results": True if page + 1 < pages else None,
                    },
                },
            )


def _discourse_post(topic: dict[str, Any], message: _Message) -> dict[str, Any]:
    cooked = f"<p>{_words(message)}</p>"
    answered = None
    if message.answers is not None:
        answered = topic["messages"][message.answers - 1]
    if message.quoted and answered is not None:
        cooked = (
            f'<aside class="quote no-group" data-username="{html.escape(answered.author)}" '
            f'data-post="{answered.number}" data-topic="{topic["id"]}"><blockquote>'
            f"<p>{_words(answered)}</p></blockquote></aside>{cooked}"
        )
    return {
        "id": message.post_id,
        "username": message.author,
        "name": message.author.split(".")[0].capitalize(),
        "created_at": iso_time(message.at),
        "cooked": cooked,
        "post_number": message.number,
        "post_type": 1,
        "reply_to_post_number": None if message.quoted else message.answers,
        "reply_count": 0,
        "quote_count": 0,
        "reads": 10 + message.number,
        "topic_id": topic["id"],
        "topic_slug": f"sujet-{topic['id']}",
        "user_id": 100 + message.post_id % 1000,
        "actions_summary": [],
        "link_counts": [{"url": message.link, "internal": False, "clicks": 3}]
        if message.link
        else [],
    }


# --- Telegram -------------------------------------------------------------------------------


def _channels(resources, period, shape, rng, truth) -> dict[str, dict[str, Any]]:
    """Institutions post every resource; teachers' channels forward or post some."""
    start, end = period
    teachers = [f"profs_{name}" for name in _names(rng, shape.teacher_channels, "_")]
    channels = {
        name: {"title": title, "subscribers": int(rng.integers(2_000, 20_000)), "messages": []}
        for name, title in INSTITUTION_CHANNELS.items()
    }
    for name in teachers:
        channels[name] = {
            "title": name,
            "subscribers": int(rng.integers(50, 3_000)),
            "messages": [],
        }
    for name in channels:
        kind = "institution" if name in INSTITUTION_CHANNELS else "person"
        truth.account("telegram", name, name, kind)
    for resource in resources.itertuples(index=False):
        adopted: set[str] = set()  # channels that posted or forwarded the resource
        for name in INSTITUTION_CHANNELS:
            if rng.random() < 0.5:
                continue
            at = _settled(_moment(start, end, rng), rng)
            post = _Message(0, name, at, f"Nouveau : {resource.title}", resource.url, "clean",
                            resource.resource_id)  # fmt: skip
            truth.adopt("telegram", name, post, "post", None)
            channels[name]["messages"].append(post)
            for teacher in teachers:
                if rng.random() < shape.forward and teacher not in adopted:
                    when = _settled(at + _delay(shape, rng), rng)
                    if when < end:
                        forward = _Message(0, teacher, when, post.text, post.link, "clean",
                                           resource.resource_id, source=post)  # fmt: skip
                        adopted.add(teacher)
                        truth.adopt("telegram", teacher, forward, "repost", post)
                        channels[teacher]["messages"].append(forward)
        for teacher in teachers:
            if rng.random() < shape.channel_post and teacher not in adopted:
                at = _settled(_moment(start, end, rng), rng)
                link, form = _link(resource.url, rng)
                own = _Message(0, teacher, at, "À voir :", link, form, resource.resource_id)
                truth.adopt("telegram", teacher, own, "post", None)
                channels[teacher]["messages"].append(own)
    for channel in channels.values():  # numbered oldest first, as Telegram does
        channel["messages"].sort(key=lambda message: message.at)
        for number, message in enumerate(channel["messages"], start=1):
            message.number = number
    return channels


def _write_telegram(recording: Recording, channels: dict[str, dict[str, Any]]) -> None:
    for name, channel in channels.items():
        messages = channel["messages"][::-1]  # newest first, pages of 20
        pages = max(1, -(-len(messages) // _CHANNEL_PAGE))
        for page in range(pages):
            shown = messages[page * _CHANNEL_PAGE : (page + 1) * _CHANNEL_PAGE][::-1]
            before = messages[page * _CHANNEL_PAGE - 1].number if page else None
            url = f"{TELEGRAM}/s/{name}" + (f"?before={before}" if before else "")
            older = shown[0].number if shown and page + 1 < pages else None
            recording.add(url, _telegram_page(name, channel, shown, older))


def _telegram_page(name: str, channel: dict[str, Any], shown, older: int | None) -> str:
    prev = f'<link rel="prev" href="/s/{name}?before={older}">' if older else ""
    body = "".join(_telegram_message(name, m) for m in shown)
    return (
        f'<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8">'
        f"<title>{html.escape(channel['title'])} – Telegram</title>{prev}</head>\n"
        '<body class="widget_frame_base tgme_webpreview_body"><main class="tgme_main">'
        '<div class="tgme_container"><section class="tgme_right_column">'
        '<div class="tgme_channel_info"><div class="tgme_channel_info_header">'
        '<div class="tgme_channel_info_header_title"><span dir="auto">'
        f"{html.escape(channel['title'])}</span></div>"
        f'<div class="tgme_channel_info_header_username"><a href="https://t.me/{name}">'
        f"@{name}</a></div></div>"
        '<div class="tgme_channel_info_counters"><div class="tgme_channel_info_counter">'
        f'<span class="counter_value">{channel["subscribers"]}</span> '
        '<span class="counter_type">subscribers</span></div></div></div></section>'
        f'<section class="tgme_channel_history js-message_history">{body}</section>'
        "</div></main></body>\n</html>\n"
    )


def _telegram_message(name: str, message: _Message) -> str:
    forwarded = ""
    if message.source is not None:
        source, number = message.source.author, message.source.number
        forwarded = (
            '<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from '
            f'<a class="tgme_widget_message_forwarded_from_name" '
            f'href="https://t.me/{source}/{number}"><span dir="auto">{source}</span></a></div>'
        )
    text = html.escape(message.text)
    if message.link:
        link = html.escape(message.link)
        text += f'<br/><a href="{link}" target="_blank" rel="noopener">{link}</a>'
    views = 40 + (message.number * 37) % 900
    return (
        '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        f'<div class="tgme_widget_message js-widget_message" data-post="{name}/{message.number}">'
        f'<div class="tgme_widget_message_bubble">{forwarded}'
        f'<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>'
        '<div class="tgme_widget_message_footer compact js-message_footer">'
        '<div class="tgme_widget_message_info short js-message_info">'
        f'<span class="tgme_widget_message_views">{views}</span>'
        '<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" '
        f'href="https://t.me/{name}/{message.number}"><time datetime="'
        f'{message.at.strftime("%Y-%m-%dT%H:%M:%S+00:00")}" class="time"></time></a></span>'
        "</div></div></div></div></div>\n"
    )
