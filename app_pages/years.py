"""The app's population year: sidebar control, labels, trend chart, band by year."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from app_pages import cache
from app_pages.state import state
from app_pages.cache import plan_key
from app_pages.ui import lang, level_label, show_error, t
from zorgzones.errors import ZorgzonesError
from zorgzones.indicators import format_number
from zorgzones.plan_metrics import resolve_band
from zorgzones.population import BAND_FLAGGED, band_by_year, band_runs, population_series
from zorgzones.settings import PLAN_HORIZON_YEAR, POPULATION_BASE_YEAR
from zorgzones.trends import TREND_COLUMNS, trend_figure
from zorgzones.year_labels import kind_text
from zorgzones.zones import Plan

#: Trend columns comparable with the whole region's (shares, ratios, growth); counts are not, so no region line there.
RELATIVE_COLUMNS = ("share_65plus", "share_80plus", "informal_care_ratio", "growth_vs_base_pct")


# -- the year and its label -----------------------------------------------------------------------------------
def years() -> list[int]:
    """The bundle's years (observed and projected)."""
    return list(cache.years(cache.data_dir()))


def kind(year: int) -> str:
    """``observed`` or ``projection``: the bundle's own word for ``year``."""
    return cache.years(cache.data_dir()).get(int(year), "observed" if year <= POPULATION_BASE_YEAR else "projection")


def year_label(year: int | None = None) -> str:
    """``2035: projectie (Federaal Planbureau, vooruitzichten 2022)`` — the exports' words (year_labels.kind_text);
    on the demo bundle: synthetic."""
    year = int(state.year if year is None else year)
    return f"{year}: {kind_text(kind(year), lang(), synthetic=cache.bundle().is_demo)}"


def year_control() -> None:
    """Sidebar slider of the bundle's years (default the base year, kept in the URL as ``?year=2035``) and, always
    beside it, whether that year is observed or a projection (synthetic on the demo)."""
    known = years()
    state.init_year(st.query_params.get("year"), known)
    if len(known) > 1:
        st.sidebar.select_slider(t("year"), known, key="year", help=t("year_help", base=POPULATION_BASE_YEAR))
    st.query_params["year"] = str(state.year)
    observed = kind(state.year) == "observed"
    colour = "red" if cache.bundle().is_demo else ("green" if observed else "orange")
    icon = ":material/groups:" if observed else ":material/timeline:"
    st.sidebar.caption(f":{colour}[{icon} {year_label()}]")  # a caption wraps, a badge would be cut


def population_note(level: str) -> str:
    """The map caption: whose population is shown, and that it is an estimate below the municipality in other years."""
    note = t("population_year_note", label=year_label())
    if level != "municipality" and int(state.year) != POPULATION_BASE_YEAR:
        note += " · " + t("year_estimated_units", units=level_label(level), year=state.year)
    return note


def year_range(key: str, *, first: int | None = None, container=None) -> list[int]:
    """A range slider of the bundle's years (default ``first`` or the first year, to the planning horizon)."""
    known = years()
    low = first if first in known else known[0]
    high = max(low, min(PLAN_HORIZON_YEAR, known[-1]))
    chosen = (container or st).select_slider(t("trend_years"), known, value=(low, high), key=key)
    return [y for y in known if chosen[0] <= y <= chosen[1]]


def sync_editor(editor) -> None:
    """Give the edited plan the figures of the selected year (and services): its metrics follow the sidebar, its
    history stays."""
    context = cache.metric_context(editor.plan.level)
    if editor.context is not context:
        editor.use_context(cache.units(editor.plan.level), context)


# -- trend of a zone --------------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=8)
def _plan_series(path: str, plan_key: str, years: tuple, _plan: Plan) -> pd.DataFrame:
    return population_series(cache.bundle_for(path), plan=_plan, years=list(years))


@st.cache_resource(show_spinner=False, max_entries=4)
def _region_series(path: str, years: tuple) -> pd.DataFrame:
    """Series of each region (``flanders``, ``brussels``) and of both (``all``), from the municipalities."""
    bundle = cache.bundle_for(path)
    region = bundle.units("municipality")["region"].astype(str)
    parts = [population_series(bundle, plan=Plan.from_assignment(assignment, name=name), years=list(years))
             for name, assignment in (("regions", region), ("all", region.map(lambda _: "all")))]
    return pd.concat(parts, ignore_index=True)


@st.cache_data(show_spinner=False, max_entries=64)
def _trend_png(path: str, plan_key: str, zone: str, region: str, column: str, years: tuple, language: str,
               _plan: Plan) -> bytes:
    """The chart as PNG, the same for every selected year (a year switch does not draw it again)."""
    series = _plan_series(path, plan_key, years, _plan)
    series = series[series["id"] == zone]
    synthetic = series.attrs.get("synthetic")
    if column in RELATIVE_COLUMNS and region:
        other = _region_series(path, years)
        other = other[other["id"] == region].assign(name=t(f"region_{region}"))
        series = pd.concat([series, other], ignore_index=True)
    series.attrs["synthetic"] = synthetic
    fig = trend_figure(series, lang=language, column=column, title=_plan.zone_name(zone))
    fig.set_size_inches(9, 3.4)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    return out.getvalue()


def trend_block(plan: Plan, zone: str, region: str) -> None:
    """The zone's population (or 65+, 80+, shares, informal-care ratio, growth) by year, observed solid and projected
    dashed, with the region for comparison on the relative series."""
    if len(years()) < 2:
        return
    st.markdown(f"**{t('trend_title')}**")
    c1, c2 = st.columns([1, 2])
    column = c1.selectbox(t("trend_column"), list(TREND_COLUMNS), format_func=lambda c: t(TREND_COLUMNS[c]),
                          key="explore_trend_column")
    chosen = year_range("explore_trend_years", container=c2)
    if len(chosen) < 2:
        return
    try:
        png = _trend_png(cache.data_dir(), plan_key(plan), zone, region, column, tuple(chosen), lang(), plan)
    except ZorgzonesError as exc:  # e.g. a plan mixing levels has no series
        show_error(exc)
        return
    st.image(png, width="stretch")
    note = t("trend_note")
    if column in RELATIVE_COLUMNS and region:
        note += " " + t("trend_region_note", region=t(f"region_{region}"))
    st.caption(note)


def number(value) -> str:
    return format_number(value, 0, lang())


# -- a plan's band in every year ---------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=6)
def _unit_population(path: str, level: str, years: tuple) -> pd.DataFrame:
    """``pop_total`` per unit (rows) and year (columns): summed per zone of any (edited) plan in an instant."""
    series = population_series(cache.bundle_for(path), level=level, years=list(years))
    return series.pivot(index="id", columns="year", values="pop_total")


def zone_population_by_year(plan: Plan, years: list[int]) -> pd.DataFrame:
    """``id, name, year, population_kind, pop_total`` of every zone of ``plan`` (a ``population_series`` shape)."""
    pop = _unit_population(cache.data_dir(), plan.level, tuple(years))
    zone = plan.assignment[~plan.assignment.index.duplicated()].reindex(pop.index)
    by_zone = pop.groupby(zone.to_numpy()).sum()
    long = by_zone.stack().rename("pop_total").rename_axis(["id", "year"]).reset_index()
    long["name"] = [plan.zone_name(z) for z in long["id"]]
    long["population_kind"] = long["year"].map(cache.years(cache.data_dir()))
    return long[["id", "name", "year", "population_kind", "pop_total"]]


def band_check(editor) -> None:
    """Which zones of the edited plan leave its band in which years (observed and projected), as a table."""
    if len(years()) < 2:
        return
    plan = editor.plan
    with st.expander(t("band_years")):
        chosen = year_range("planner_band_years", first=POPULATION_BASE_YEAR)
        low, high = resolve_band(plan, editor.min_population, editor.max_population)
        if low is None and high is None:
            st.info(t("band_years_none"))
            return
        band = f"{number(low) if low else '-'} - {number(high) if high else t('no_maximum')}"
        st.caption(t("band_years_caption", band=band, base=POPULATION_BASE_YEAR))
        bands = band_by_year(zone_population_by_year(plan, chosen), min_population=low, max_population=high,
                             units_per_zone=plan.assignment.value_counts())  # one unit above: flagged, as the CLI
        runs = band_runs(bands)
        failing = runs[runs["status"] != BAND_FLAGGED]
        zones, first, last = bands["id"].nunique(), chosen[0], chosen[-1]
        if failing.empty:
            st.success(t("band_years_ok", zones=zones, first=first, last=last))
        else:
            st.warning(t("band_years_summary", n=failing["id"].nunique(), zones=zones, first=first, last=last))
        if runs.empty:
            return
        pop = bands.set_index(["id", "year"])["pop_total"]
        table = pd.DataFrame({
            t("col_zone_id"): runs["id"], t("col_zone"): runs["name"],
            t("col_band_status"): runs["status"].map(lambda s: t("band_status_flagged" if s == BAND_FLAGGED
                                                                 else f"band_status_{s}")),
            t("col_first_year"): runs["first_year"], t("col_last_year"): runs["last_year"],
            t("col_pop_first_year"): [number(pop[(z, y)]) for z, y in zip(runs["id"], runs["first_year"])],
            t("col_pop_last_year"): [number(pop[(z, y)]) for z, y in zip(runs["id"], runs["last_year"])],
        })
        st.dataframe(table, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(table)))
