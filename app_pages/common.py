"""Shared UI plumbing of the app pages: cached package calls, session state (plans, language) and the map widget."""

from __future__ import annotations

import dataclasses
import hashlib

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from shapely.geometry import shape
from streamlit_folium import st_folium

from zorgzones import maps, settings
from zorgzones.bundle import load_bundle
from zorgzones.coverage import service_units
from zorgzones.editing import PlanEditor
from zorgzones.i18n import DEFAULT_LANGUAGE, LANGUAGES, t as translate
from zorgzones.indicators import get_indicator
from zorgzones.plan_metrics import MetricContext
from zorgzones.settings import WEB_CRS
from zorgzones.zones import Plan

MAP_HEIGHT = 560
TILES = "OpenStreetMap"
EXPLORE_LEVELS = ("municipality", "neighbourhood")
PLAN_LEVELS = ("municipality", "deelgemeente", "neighbourhood")


# -- language -------------------------------------------------------------------------------------------------
def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def t(key: str, **values) -> str:
    return translate(key, lang(), **values)


def language_switch() -> None:
    """Sidebar switch Dutch/English, kept in the URL (``?lang=en``)."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANGUAGE)
        st.session_state["lang"] = wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE
    st.sidebar.radio(translate("language", lang()), LANGUAGES, key="lang", horizontal=True,
                     format_func=lambda code: {"nl": "Nederlands", "en": "English"}[code])
    st.query_params["lang"] = lang()


def level_label(level: str) -> str:
    return t(f"level_{level}")


def indicator_label(key: str) -> str:
    return get_indicator(key, scope="unit").title(lang())


# -- data (cached) --------------------------------------------------------------------------------------------
def data_dir() -> str:
    return str(settings.data_dir())


@st.cache_resource(show_spinner=False)
def bundle_for(path: str):
    return load_bundle(path)


def bundle():
    return bundle_for(data_dir())


@st.cache_resource(show_spinner=False)
def _units(path: str, level: str) -> gpd.GeoDataFrame:
    return bundle_for(path).units(level)


def units(level: str) -> gpd.GeoDataFrame:
    """Units of a level (shared, read-only: copy before changing)."""
    return _units(data_dir(), level)


@st.cache_resource(show_spinner=False)
def _services(path: str) -> gpd.GeoDataFrame:
    return bundle_for(path).services()


def services() -> gpd.GeoDataFrame:
    """Bundle services plus the user's uploaded services when in use (read-only)."""
    own = st.session_state.get("user_services")
    base = _services(data_dir())
    if own is None or not len(own):
        return base
    return pd.concat([base, own[[c for c in base.columns if c in own.columns]]])


def services_key() -> str:
    own = st.session_state.get("user_services")
    return "" if own is None else hashlib.sha1(pd.util.hash_pandas_object(own.drop(columns="geometry"), index=True).values.tobytes()).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=8)
def _context(path: str, level: str, services_key: str, _services: gpd.GeoDataFrame) -> MetricContext:
    active = _services[_services["active"].fillna(True).astype(bool)] if "active" in _services else _services
    return MetricContext(_units(path, level), services=active)


def metric_context(level: str) -> MetricContext:
    """Unit-level sums for zone metrics of ``level`` (built once per level and services)."""
    return _context(data_dir(), level, services_key(), services())


# -- plans in the session -------------------------------------------------------------------------------------
def plan_key(plan: Plan | None) -> str:
    if plan is None:
        return ""
    text = "|".join(f"{u}={z}" for u, z in sorted(plan.assignment.items())) + repr(sorted(plan.zone_names.items()))
    return hashlib.sha1(text.encode()).hexdigest()


def plans() -> dict[str, Plan]:
    """The plans of this session by name: the bundle's official plans, then generated, uploaded and loaded ones."""
    if st.session_state.get("plans_for") != data_dir():
        found = bundle()
        st.session_state["plans"] = {}
        for name in found.plan_names():
            plan = Plan.from_bundle(found, name)
            plan.name = found.plan_info(name).get("title", name)
            st.session_state["plans"][plan.name] = plan
        st.session_state["plans_for"] = data_dir()
        for key in ("editor", "access", "access_greedy", "access_exact_result", "user_services", "comparison", "upload_check"):
            st.session_state.pop(key, None)
    return st.session_state["plans"]


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


def plan_picker(level: str, *, key: str, label: str | None = None, with_none: bool = True) -> Plan | None:
    """Select box of the session's plans made of ``level`` units (the edited plan first)."""
    names = plans_of_level(level)
    editor = st.session_state.get("editor")
    if editor is not None and editor.plan.level == level:
        names = [editor.plan.name] + [n for n in names if n != editor.plan.name]
    options = names + ([""] if with_none else [])
    if not options:
        return None
    choice = st.selectbox(label or t("plan"), options, key=key, format_func=lambda n: n or t("no_plan"))
    if not choice:
        return None
    if editor is not None and choice == editor.plan.name:
        return editor.plan
    return plans()[choice]


def start_editor(plan: Plan) -> PlanEditor:
    """A fresh editor on a copy of ``plan`` marked ``*`` (its band; services counted per zone)."""
    plan = dataclasses.replace(plan, name=f"{plan.name} *")
    editor = PlanEditor(units(plan.level), plan, context=metric_context(plan.level),
                        min_population=plan.min_population, max_population=plan.max_population)
    st.session_state["editor"] = editor
    return editor


# -- maps -----------------------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=24)
def _web_map(path: str, level: str, indicator: str, plan_key: str, language: str, kinds: tuple, services_key: str,
             analysis_key: str, _plan: Plan | None, _services: gpd.GeoDataFrame | None, _analysis: dict | None):
    chosen = None
    if _services is not None and kinds:
        chosen = _services[_services["service_type"].isin(kinds)]
        if "inside_region" in chosen:
            chosen = chosen[chosen["inside_region"].fillna(True).astype(bool)]
    fmap = maps.web_map(_units(path, level), indicator=indicator, plan=_plan, services=chosen, bundle=bundle_for(path),
                        analysis=_analysis, lang=language, tiles=TILES, level=level)
    fmap.get_root().render()  # rendered once here, so st_folium can skip it on every rerun (render=False)
    return fmap


def web_map(level: str, indicator: str, plan: Plan | None, kinds=(), *, analysis: dict | None = None,
            analysis_key: str = ""):
    """The folium map (cached per level, indicator, plan, language, service types and analysis)."""
    if plan is not None and plan.level != level:
        plan = None
    return _web_map(data_dir(), level, indicator, plan_key(plan), lang(), tuple(sorted(kinds)), services_key(), analysis_key,
                    plan, services(), analysis)


def show_map(fmap, *, key: str, returned_objects=(), height: int = MAP_HEIGHT):
    """Render a folium map, asking streamlit-folium only for ``returned_objects`` (no rerun on pan/zoom)."""
    return st_folium(fmap, key=key, height=height, use_container_width=True, returned_objects=list(returned_objects),
                     render=False)


@st.cache_resource(show_spinner=False, max_entries=8)
def _service_unit(path: str, level: str, services_key: str, _services: gpd.GeoDataFrame) -> pd.Series:
    return service_units(_services, _units(path, level))


def service_unit(level: str) -> pd.Series:
    """The unit of ``level`` each service lies in (NaN outside the region)."""
    return _service_unit(data_dir(), level, services_key(), services())


def unit_at(units: gpd.GeoDataFrame, feature: dict) -> str | None:
    """The unit under a clicked unit polygon of the map (a point inside the drawn polygon, located in the working CRS)."""
    if "_name" not in (feature.get("properties") or {}):
        return None  # a zone outline or a label, not a unit
    try:
        point = shape(feature["geometry"]).representative_point()
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
        return None
    here = gpd.GeoSeries([point], crs=WEB_CRS).to_crs(units.crs).iloc[0]
    hits = units.sindex.query(here, predicate="within")
    return str(units.index[hits[0]]) if len(hits) else None


def service_type_label(kind: str) -> str:
    label = translate(f"service_{kind}", lang())
    return kind if label == f"service_{kind}" else label


def show_error(exc: Exception) -> None:
    """A package error as one readable message (its problem list), never a traceback."""
    problems = getattr(exc, "problems", None)
    text = "\n".join(f"- {p}" for p in problems) if problems else str(exc)
    st.error(f"{t('error')}: {getattr(exc, 'subject', '')}\n\n{text}")
