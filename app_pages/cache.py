"""Cached package calls of the app, shared by every session."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages.state import state
from zorgzones import maps, settings
from zorgzones.analysis_access import unit_access
from zorgzones.errors import DataError
from zorgzones.population import available_years, units_for_year
from zorgzones.region import load_bundle
from zorgzones.coverage import service_units
from zorgzones.plan_metrics import MetricContext
from zorgzones.zones import Plan
from zorgzones import reference


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
    """Units of a level with the population of the selected year (shared, read-only: copy before changing)."""
    if year() is not None:
        return _units_year(data_dir(), level, year())
    return _units(data_dir(), level)


@st.cache_resource(show_spinner=False)
def _services(path: str) -> gpd.GeoDataFrame:
    return bundle_for(path).services()


def services() -> gpd.GeoDataFrame:
    """Bundle services plus the user's uploaded services when in use (read-only)."""
    own = state.user_services
    base = _services(data_dir())
    if own is None or not len(own):
        return base
    return pd.concat([base, own[[c for c in base.columns if c in own.columns]]])


def services_key() -> str:
    own = state.user_services
    return "" if own is None else hashlib.sha1(pd.util.hash_pandas_object(own.drop(columns="geometry"), index=True).values.tobytes()).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=8)
def _context(path: str, level: str, services_key: str, _services: gpd.GeoDataFrame) -> MetricContext:
    active = _services[_services["active"].fillna(True).astype(bool)] if "active" in _services else _services
    return MetricContext(_units(path, level), services=active)


def metric_context(level: str) -> MetricContext:
    """Unit-level sums for zone metrics of ``level`` (built once per level and services; per year, only the
    population is swapped)."""
    if year() is not None:
        return _context_year(data_dir(), level, services_key(), year(), services())
    return _context(data_dir(), level, services_key(), services())


@st.cache_resource(show_spinner=False, max_entries=16)
def _unit_access(path: str, level: str, services_key: str, kind: str, _services: gpd.GeoDataFrame) -> pd.DataFrame:
    return unit_access(bundle_for(path), level=level, service_type=kind, services=_services)


@st.cache_resource(show_spinner=False, max_entries=4)
def _display_units(path: str, level: str) -> gpd.GeoDataFrame:
    return maps.display_coverage(_units(path, level), level=level)


@st.cache_resource(show_spinner=False, max_entries=8)
def _service_unit(path: str, level: str, services_key: str, _services: gpd.GeoDataFrame) -> pd.Series:
    return service_units(_services, _units(path, level))


def service_unit(level: str) -> pd.Series:
    """The unit of ``level`` each service lies in (NaN outside the region)."""
    return _service_unit(data_dir(), level, services_key(), services())


# -- population by year (issue 14): the selected year's figures; the base year keeps the entries above ----------------
def year() -> int | None:
    """The selected population year, or None for the base year (the bundle's own figures, cached above: their cache
    keys, and so the warm-up's entries, stay as they were)."""
    chosen = state.year
    return None if chosen is None or int(chosen) == settings.POPULATION_BASE_YEAR else int(chosen)


def year_args() -> dict:
    """``{"year": y}`` for a year other than the base year, else nothing: keyword arguments of a cached function
    whose base-year calls must keep their cache key."""
    chosen = year()
    return {} if chosen is None else {"year": chosen}


@st.cache_resource(show_spinner=False, max_entries=4)
def years(path: str) -> dict[int, str]:
    """Year -> population kind ('observed' / 'projection') of the bundle; only the base year for a bundle built
    before population by year existed."""
    try:
        available_years(bundle_for(path))
        layer = bundle_for(path).layer("population_years")
    except DataError:
        return {settings.POPULATION_BASE_YEAR: "observed"}
    kinds = layer.drop_duplicates("year").set_index("year")["population_kind"]
    return {int(y): str(k) for y, k in kinds.sort_index().items()}


@st.cache_resource(show_spinner=False, max_entries=12)
def _units_year(path: str, level: str, year: int) -> gpd.GeoDataFrame:
    return units_for_year(bundle_for(path), level, year)


@st.cache_resource(show_spinner=False, max_entries=12)
def _context_year(path: str, level: str, services_key: str, year: int, _services: gpd.GeoDataFrame) -> MetricContext:
    return _context(path, level, services_key, _services).with_population(_units_year(path, level, year))


@st.cache_resource(show_spinner=False, max_entries=16)
def _unit_access_year(path: str, level: str, services_key: str, kind: str, year: int, _services: gpd.GeoDataFrame) -> pd.DataFrame:
    """``analysis_access.unit_access`` with the demand of ``year`` (same request otherwise)."""
    return unit_access(bundle_for(path), level=level, service_type=kind, services=_services, year=year)


@st.cache_resource(show_spinner=False, max_entries=16)
def _zone_references(path: str, level: str, year: int | None, services_key: str, plan_id: str, _plan, _services):
    frame = _units(path, level) if year is None else _units_year(path, level, year)
    return reference.zone_references(bundle_for(path), frame, _plan, _services)


def zone_references(level: str, plan) -> pd.DataFrame | None:
    """Each zone's key figures in its arrondissement and province for the selected year and services (the pack's
    zone-page figures, ``reference.zone_references``)."""
    return _zone_references(data_dir(), level, year(), services_key(), plan_key(plan), plan, services())


def plan_key(plan: Plan | None) -> str:
    """A cache key of a plan's assignment and zone names ("" for no plan)."""
    if plan is None:
        return ""
    text = "|".join(f"{u}={z}" for u, z in sorted(plan.assignment.items())) + repr(sorted(plan.zone_names.items()))
    return hashlib.sha1(text.encode()).hexdigest()
