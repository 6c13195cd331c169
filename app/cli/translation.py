"""The command line's language: French when the locale is French, English otherwise.

The language is ``--lang fr|en``, else ``ESSAIM_LANG``, else French when the first of
``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set starts with ``fr``, else
English. Messages are written in English and marked ``_()`` (``ngettext`` where a count
varies), here and in collectors/ and graph/, which take them from ``collectors.speech``
(the language chosen here is said there). The help of commands and options is translated
when shown, by the classes below (``command``, ``group`` and ``option`` make them); click's
own words ("Usage:", "Error: No such option" …) are looked up in the same catalogue, since
its modules' ``_`` and ``ngettext`` are pointed at ours. French is
``locale/fr/LC_MESSAGES/essaim.po``, compiled into ``essaim.mo`` beside it; both are
committed and shipped.

After changing a message, ``python -m app.cli.translation`` (it needs Babel, from the test
extra) extracts every message into the catalogue, then translate what it marks new or fuzzy
in ``essaim.po`` and run it again to compile ``essaim.mo``.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

from collectors.speech import _, language, ngettext, number, speak

__all__ = [
    "LANGUAGES",
    "Command",
    "Group",
    "Option",
    "RootGroup",
    "_",
    "chosen_language",
    "command",
    "group",
    "language",
    "messages",
    "ngettext",
    "number",
    "option",
    "update",
    "use",
]

LANGUAGES = ("fr", "en")
LOCALE = Path(__file__).with_name("locale")
#: The folders whose marked messages the command line shows, beside app/cli.
SHOWN = [Path(__file__).parents[1] / "report",
         *(Path(__file__).parents[2] / package for package in ("collectors", "graph"))]  # fmt: skip
DOMAIN = "essaim"


def use(chosen: str) -> None:
    """Speak ``chosen`` (``fr`` or ``en``) from now on, in every layer's messages."""
    found = gettext.translation(DOMAIN, LOCALE, [chosen]) if chosen == "fr" else None
    speak(chosen, found or gettext.NullTranslations())


def chosen_language(
    arguments: Sequence[str] = (), environment: Mapping[str, str] = os.environ
) -> str:
    """The language asked for by ``--lang`` among the root options of ``arguments``, else by
    ``environment``.

    >>> chosen_language(["--lang", "en", "status"], {"LANG": "fr_FR.UTF-8"})
    'en'
    >>> chosen_language(["report", "--lang", "en"], {"LC_ALL": "", "LANG": "fr_FR.UTF-8"})
    'fr'
    >>> chosen_language([], {"ESSAIM_LANG": "fr", "LANG": "C"}), chosen_language([], {})
    ('fr', 'en')
    """
    words = iter(arguments)
    for word in words:
        if word == "--lang":
            return next(words, "en")
        if word.startswith("--lang="):
            return word.removeprefix("--lang=")
        if word in ("--config", "--data"):
            next(words, None)
        elif not word.startswith("-"):  # the command: its options are its own
            break
    if environment.get("ESSAIM_LANG") in LANGUAGES:
        return environment["ESSAIM_LANG"]
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        if environment.get(name):
            return "fr" if environment[name].startswith("fr") else "en"
    return "en"


# Click's modules took gettext's functions when imported: they look in our catalogue instead.
for _module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
                click.termui, click.types, click.utils):  # fmt: skip
    if hasattr(_module, "_"):
        _module._ = _
    if hasattr(_module, "ngettext"):
        _module.ngettext = ngettext


class _Help:
    """Keeps ``help`` as written (English) and gives it in the language in use."""

    @property
    def help(self) -> str | None:
        return _(self._help) if self._help else self._help

    @help.setter
    def help(self, value: str | None) -> None:
        self._help = value


class Option(_Help, click.Option):
    """An option whose help is translated when shown."""


class Command(_Help, click.Command):
    """A command whose help (and its help option's) is translated when shown."""

    def get_help_option(self, context: click.Context) -> click.Option | None:
        made = super().get_help_option(context)
        if made is not None:  # click makes it once, in the language of that moment
            made.help = _("Show this message and exit.")
        return made


class Group(Command, click.Group):
    """A group of commands whose help is translated when shown."""

    command_class = Command
    group_class = type  # subgroups are of this class too


class RootGroup(Group):
    """The ``essaim`` group: speaks the language chosen before reading the arguments (so
    that a usage error is in that language too)."""

    group_class = Group

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        use(chosen_language(args))
        return super().make_context(info_name, args, parent, **extra)


command = partial(click.command, cls=Command)
group = partial(click.group, cls=Group)
option = partial(click.option, cls=Option)


def _help_texts(command: click.Command, path: str) -> Iterator[tuple[str, str]]:
    """The help texts of ``command`` and of its options and subcommands, with the command
    line showing each (the sources' descriptions are there, written in collectors/)."""
    for text in (command.help, getattr(command, "short_help", None)):
        if text:
            yield text, path
    for parameter in command.params:
        if isinstance(parameter, click.Option) and parameter.help:
            yield parameter.help, f"{path} {parameter.opts[-1]}"
    for name, subcommand in getattr(command, "commands", {}).items():
        yield from _help_texts(subcommand, f"{path} {name}")


def messages():
    """Every message the command line shows, as a Babel catalogue (the template of
    ``essaim.po``): the strings marked in app/cli, app/report, collectors, graph and click,
    and every help text."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    from app.cli.main import cli

    use("en")
    catalogue = Catalog(domain=DOMAIN, project="essaim", charset="utf-8")
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    # app/report: the lines ``watch`` prints when it sends a report
    for folder in (Path(__file__).parent, *SHOWN, Path(click.__file__).parent):
        found = extract_from_dir(folder, keywords=keywords, comment_tags=("TRANSLATORS:",))
        for filename, line, message, comments, _context in found:
            where = f"{folder.name}/{filename}"
            catalogue.add(message, locations=[(where, line)], auto_comments=comments)
    for text, path in _help_texts(cli, "essaim"):
        catalogue.add(text, auto_comments=[f"{path} --help"])
    return catalogue


def update() -> None:
    """Bring ``essaim.po`` up to date with :func:`messages` and compile ``essaim.mo``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    po = LOCALE / "fr" / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as file:
        french = read_po(file, locale="fr", domain=DOMAIN)
    french.update(messages())
    french.fuzzy = False  # the header: only messages are ever fuzzy
    with po.open("wb") as file:
        write_po(file, french, width=100, omit_header=False, ignore_obsolete=True)
    with po.with_suffix(".mo").open("wb") as file:
        write_mo(file, french)


if __name__ == "__main__":
    from app.cli import translation

    translation.update()
