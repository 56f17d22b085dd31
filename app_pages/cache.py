"""Cached package calls of the app, shared by every session."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages.state import state
from zorgzones import maps, settings
from zorgzones.analysis_access import unit_access
from zorgzones.region import load_bundle
from zorgzones.coverage import service_units
from zorgzones.plan_metrics import MetricContext


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
    """Unit-level sums for zone metrics of ``level`` (built once per level and services)."""
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
