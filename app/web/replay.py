"""A time slider with a replay: the day up to which a view shows who adopted, and a button that
steps through the days.

The slider's days are UTC days, as the app writes times. Only the view the slider drives is
redrawn at each step of a replay (a Streamlit fragment on a timer), not the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd
import streamlit as st

from app.web.context import Context
from app.web.i18n import day, number

__all__ = ["STEPS", "days_of", "replay_days", "time_slider", "until_end_of"]

#: A replay shows at most this many days.
STEPS = 20
#: Seconds between two days of a replay.
STEP_SECONDS = 1.5


def days_of(times: pd.Series) -> list[date]:
    """Every UTC day from the first known time in ``times`` to the last (none when no time is
    known).

    >>> days_of(pd.Series(pd.to_datetime(["2026-09-03 23:00", None, "2026-09-01 00:00"], utc=True)))
    [datetime.date(2026, 9, 1), datetime.date(2026, 9, 2), datetime.date(2026, 9, 3)]
    >>> days_of(pd.Series([pd.NaT]))
    []
    """
    known = pd.to_datetime(times, utc=True).dropna()
    if known.empty:
        return []
    first, last = known.min().date(), known.max().date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def replay_days(days: list[date], steps: int = STEPS) -> list[date]:
    """The days a replay shows: at most ``steps`` (at least 2), evenly spaced from the first
    day to the last.

    >>> [d.day for d in replay_days([date(2026, 9, n) for n in range(1, 11)], 4)]
    [1, 4, 7, 10]
    >>> [d.day for d in replay_days([date(2026, 9, 1), date(2026, 9, 2)], 4)]
    [1, 2]
    """
    chosen = np.linspace(0, len(days) - 1, min(steps, len(days))).round().astype(int)
    return [days[n] for n in chosen]


def until_end_of(chosen: date) -> pd.Timestamp:
    """The first moment after the UTC day ``chosen``.

    >>> until_end_of(date(2026, 9, 30))
    Timestamp('2026-10-01 00:00:00+0000', tz='UTC')
    """
    return pd.Timestamp(chosen + timedelta(days=1), tz="UTC")


def time_slider(
    context: Context, times: pd.Series, key: str, draw: Callable[[pd.Timestamp | None], None]
) -> None:
    """Draw a slider over the days of ``times`` with a replay button, then ``draw(until)``.

    ``until`` is the end of the chosen day (what adopted before it is shown), or ``None`` on
    the last day: everything, adoptions of unknown time included.
    """
    days = days_of(times)
    if len(days) < 2:
        draw(None)
        return
    replaying = f"{key}-replay"
    steps = replay_days(days)
    if st.session_state.get(key) not in days:  # new data, or a filter moved the days
        st.session_state[key] = days[-1]

    def start() -> None:
        st.session_state[replaying] = 0

    def view() -> None:
        step = st.session_state.get(replaying)
        if step is not None:
            st.session_state[key] = steps[step]
            if step + 1 == len(steps):  # the last day: stop the timer with the whole page
                del st.session_state[replaying]
                st.rerun(scope="app")
            st.session_state[replaying] = step + 1
        slider, button = st.columns([6, 1], vertical_alignment="bottom")
        chosen = slider.select_slider(
            context.t("replay.until"),
            days,
            key=key,
            format_func=lambda shown: day(shown, context.language),
        )
        button.button(
            context.t("replay.play"), key=f"{key}-play", on_click=start, icon=":material/replay:"
        )
        shown = times[pd.to_datetime(times, utc=True) < until_end_of(chosen)]
        untimed = int(times.isna().sum())
        last = chosen == days[-1]
        st.caption(
            context.t(
                "replay.shown",
                adopters=number(len(shown) + (untimed if last else 0), context.language),
                day=day(chosen, context.language),
            )
            + (" " + context.t("replay.untimed", count=number(untimed, context.language))
               if untimed else "")
        )  # fmt: skip
        draw(None if last else until_end_of(chosen))

    if replaying in st.session_state:  # a fragment rerun on a timer (defined only then: a
        st.fragment(view, run_every=STEP_SECONDS)()  # timer set on a later run never starts)
    else:
        view()
