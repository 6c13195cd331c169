"""The language of the sentences a user reads, from every layer.

Messages are written in English and marked ``_()`` (``ngettext`` where a count varies) where
they are made, in collectors/, graph/ and app/ alike. The command line chooses the language
and its catalogue (``app/cli/translation.py``) and gives them to :func:`speak`; until then,
and in the web app, which translates its own labels, messages stay in English.

A message written once and said later (a constant, a table of reasons) is marked ``N_()``
where it is written, so that it is extracted, and said with ``_()`` where it is shown.

Only what a person reads is marked: errors to fix, refusals, notes. What is stored (a
parse error in a raw run, a method label) stays in English, whatever the language.
"""

from __future__ import annotations

import gettext

__all__ = ["N_", "SPACE", "_", "in_french", "language", "ngettext", "number", "speak"]

#: The space French writes between thousands and before ':', ';', '?', '!' and '%': a
#: no-break one, so that a number or a sentence is never cut there at a line's end.
SPACE = "\u00a0"

_current: dict = {"language": "en", "translation": gettext.NullTranslations()}


def speak(language: str, translation: gettext.NullTranslations) -> None:
    """Say every message in ``language`` (``fr`` or ``en``) from now on, as ``translation``
    gives it."""
    _current.update(language=language, translation=translation)


def language() -> str:
    """The language in use: ``fr`` or ``en``."""
    return _current["language"]


def _(message: str) -> str:
    """``message`` in the language in use."""
    return _current["translation"].gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """``singular`` or ``plural``, as ``count`` asks, in the language in use."""
    return _current["translation"].ngettext(singular, plural, count)


def N_(message: str) -> str:
    """``message`` as it is: marks a message that is said later with :func:`_`."""
    return message


def in_french(written: str) -> str:
    """A number written the English way written the French way.

    >>> in_french("12,345.5")
    '12\\xa0345,5'
    """
    return written.replace(",", SPACE).replace(".", ",")


def number(value: float, spec: str = ",") -> str:
    """``value`` formatted by ``spec``, in the language in use.

    >>> speak("fr", gettext.NullTranslations()); number(12345.5, ",.1f"), number(3)
    ('12\\xa0345,5', '3')
    >>> speak("en", gettext.NullTranslations()); number(12345.5, ",.1f")
    '12,345.5'
    """
    written = format(value, spec)
    return written if language() == "en" else in_french(written)
