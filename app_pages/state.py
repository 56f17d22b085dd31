"""The app's session state in one typed place: keys, types, records."""

from __future__ import annotations

from typing import Any, NamedTuple

import streamlit as st

from zorgzones.i18n import DEFAULT_LANGUAGE, language
from zorgzones.settings import POPULATION_BASE_YEAR


class BuiltFile(NamedTuple):
    """An export file built on the export page: file name, bytes, and what it was made for (plan, indicator, paper)."""

    name: str
    data: bytes
    made_for: str


class UploadCheck(NamedTuple):
    """The validation of an uploaded file: which upload, the usable result (None if blocked), problems, notes, rows."""

    key: tuple
    result: Any
    problems: list
    notes: list
    rows: int


class Comparison(NamedTuple):
    """Two plans compared in the planner and the comparison result."""

    plan_a: Any
    plan_b: Any
    result: Any


class _Key:
    """A typed session value stored under ``key`` in ``st.session_state`` (reading gives ``default`` when unset)."""

    def __init__(self, key: str, default=None):
        self.key, self.default = key, default

    def __get__(self, owner, kind=None):
        return st.session_state.get(self.key, self.default)

    def __set__(self, owner, value) -> None:
        st.session_state[self.key] = value

    def __delete__(self, owner) -> None:
        st.session_state.pop(self.key, None)


class AppState:
    """The session's app state (not widget values): read and write attributes; ``del`` resets one."""

    #: Interface language (``nl``, ``fr``, ``en``); the sidebar switch is its widget.
    lang: str = _Key("lang", DEFAULT_LANGUAGE)
    #: Plans of this session by name (official, generated, uploaded, loaded) and the data dir they were read from.
    plans: dict = _Key("plans")
    plans_for: str = _Key("plans_for")
    #: The plan being edited in the planner (a zorgzones.editing.PlanEditor).
    editor = _Key("editor")
    #: The user's uploaded services in use (GeoDataFrame) or None.
    user_services = _Key("user_services")
    comparison: Comparison | None = _Key("comparison")
    upload_check: UploadCheck | None = _Key("upload_check")
    #: One-shot message / error of a planner action, shown on the next run.
    planner_message: str | None = _Key("planner_message")
    planner_error: Exception | None = _Key("planner_error")
    #: The last map click handled by the planner (each click is handled once).
    planner_last_click: dict | None = _Key("planner_last_click")

    #: Keys of results that belong to one data directory: dropped when the plans are read again.
    PER_DATA = ("editor", "access", "access_greedy", "access_exact_result", "user_services", "comparison", "upload_check")

    def reset_data(self) -> None:
        for key in self.PER_DATA:
            st.session_state.pop(key, None)

    def built(self, kind: str) -> BuiltFile | None:
        return st.session_state.get(f"export_{kind}")

    def set_built(self, kind: str, file: BuiltFile) -> None:
        st.session_state[f"export_{kind}"] = file

    def init_language(self, wanted: str | None) -> None:
        """Take the language from the URL (``?lang=fr``) on the first run of a session."""
        if "lang" not in st.session_state:
            st.session_state["lang"] = language(wanted)

    # -- population year (issue 14) --------------------------------------------------------------------------------
    #: Population year of every page (observed up to the base year, projected after); the sidebar slider is its widget.
    year: int = _Key("year", POPULATION_BASE_YEAR)

    def init_year(self, wanted: str | None, years: list[int]) -> None:
        """Take the year from the URL (``?year=2035``) on the first run of a session; a year the bundle has no
        figures for (or none asked) gives the base year."""
        if "year" in st.session_state and st.session_state["year"] in years:
            return
        try:
            asked = int(wanted) if wanted is not None else POPULATION_BASE_YEAR
        except ValueError:
            asked = POPULATION_BASE_YEAR
        st.session_state["year"] = asked if asked in years else (POPULATION_BASE_YEAR if POPULATION_BASE_YEAR in years else years[-1])


state = AppState()
