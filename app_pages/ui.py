"""Widgets and labels shared by the app pages (language, plans, errors)."""

from __future__ import annotations

import dataclasses

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app_pages import cache
from app_pages.state import state
from zorgzones.editing import PlanEditor
from zorgzones.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, t as translate
from zorgzones.indicators import get_indicator
from zorgzones.printmap import service_name
from zorgzones.zones import Plan

EXPLORE_LEVELS = ("municipality", "neighbourhood")
PLAN_LEVELS = ("municipality", "deelgemeente", "neighbourhood")


# -- language -------------------------------------------------------------------------------------------------
#: The language of the last script run, for code called outside one (AppTest formats widget options in its own thread).
_LAST = {"lang": DEFAULT_LANGUAGE}


def lang() -> str:
    if get_script_run_ctx(suppress_warning=True) is None:
        return _LAST["lang"]
    _LAST["lang"] = state.lang
    return _LAST["lang"]


def t(key: str, **values) -> str:
    return translate(key, lang(), **values)


def language_switch() -> None:
    """Sidebar switch Nederlands / Français / English, kept in the URL (``?lang=fr``)."""
    state.init_language(st.query_params.get("lang"))
    st.sidebar.radio(translate("language", lang()), LANGUAGES, key="lang", horizontal=True, format_func=LANGUAGE_NAMES.get)
    st.query_params["lang"] = lang()


def level_label(level: str) -> str:
    return t(f"level_{level}")


def indicator_label(key: str) -> str:
    return get_indicator(key, scope="unit").title(lang())


def service_type_label(kind: str) -> str:
    label = t(f"service_{kind}")
    return service_name(kind, lang()) if label == f"service_{kind}" else label


def show_error(exc: Exception) -> None:
    """A package error as one readable message (its problem list), never a traceback."""
    problems = getattr(exc, "problems", None)
    text = "\n".join(f"- {p}" for p in problems) if problems else str(exc)
    st.error(f"{t('error')}: {getattr(exc, 'subject', '')}\n\n{text}")


# -- plans in the session -------------------------------------------------------------------------------------
def plans() -> dict[str, Plan]:
    """The plans of this session by name: the bundle's official plans, then generated, uploaded and loaded ones."""
    if state.plans_for != cache.data_dir():
        found = cache.bundle()
        known = {}
        for name in found.plan_names():
            plan = Plan.from_bundle(found, name)
            plan.name = found.plan_info(name).get("title", name)
            known[plan.name] = plan
        state.plans, state.plans_for = known, cache.data_dir()
        state.reset_data()
    return state.plans


def add_plan(plan: Plan) -> str:
    """Put ``plan`` in the session's plans (a name taken by another plan gets a number) and return its name."""
    known = plans()
    name, i = plan.name, 2
    while name in known and not known[name].equals(plan):
        name, i = f"{plan.name} ({i})", i + 1
    plan.name = name
    known[name] = plan
    return name


def plans_of_level(level: str) -> list[str]:
    return [name for name, plan in plans().items() if plan.level == level]


def plan_picker(level: str, *, key: str, label: str | None = None, with_none: bool = True, container=None) -> Plan | None:
    """Select box of the session's plans made of ``level`` units (the edited plan first)."""
    names = plans_of_level(level)
    editor = state.editor
    if editor is not None and editor.plan.level == level:
        names = [editor.plan.name] + [n for n in names if n != editor.plan.name]
    options = names + ([""] if with_none else [])
    if not options:
        return None
    choice = (container or st).selectbox(label or t("plan"), options, key=key, format_func=lambda n: n or t("no_plan"))
    if not choice:
        return None
    if editor is not None and choice == editor.plan.name:
        return editor.plan
    return plans()[choice]


def start_editor(plan: Plan) -> PlanEditor:
    """A fresh editor on a copy of ``plan`` marked ``*`` (its band; services counted per zone)."""
    plan = dataclasses.replace(plan, name=f"{plan.name} *")
    editor = PlanEditor(cache.units(plan.level), plan, context=cache.metric_context(plan.level),
                        min_population=plan.min_population, max_population=plan.max_population)
    state.editor = editor
    return editor
