"""Accessibility & gaps page: travel times, catchment ratios, gaps, overlaps, capacity-limited coverage and siting."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import common
from app_pages.common import t
from zorgzones.access_summary import SERVICE_TARGETS, service_supply, summarise_access, target_population
from zorgzones.accessibility import DEFAULT_STEPS, enhanced_two_step_fca, nearest_service, two_step_fca
from zorgzones.coverage import capacity_limited_coverage, coverage_gaps, coverage_overlaps, gap_areas, ranked
from zorgzones.errors import ZorgzonesError
from zorgzones.indicators import format_number
from zorgzones.siting import candidates_from_units, maximal_covering
from zorgzones.travel import SPEED_KMH, demand_points, straight_line_costs

#: Default inhabitants one unit of capacity serves (pharmacy: 1 per site; hospital: per bed).
POP_PER_CAPACITY = {"pharmacy": 2500.0, "hospital": 250.0}


def parse_steps(text: str) -> dict:
    """``"10:1, 20:0.68"`` -> ``{10.0: 1.0, 20.0: 0.68}``; a ValueError names the bad part."""
    steps = {}
    for part in [p for p in text.replace(";", ",").split(",") if p.strip()]:
        bound, _, weight = part.partition(":")
        steps[float(bound)] = float(weight)
    if not steps:
        raise ValueError(text)
    return steps


def analyse(level: str, kind: str, mode: str, method: str, minutes: float, steps: dict, per_capacity: float):
    """Every figure of the page from package calls: costs, nearest service, ratio, gaps, overlaps, coverage."""
    units = common.units(level)
    services = common.services()
    services = services[services["service_type"] == kind]
    supply = service_supply(services)
    supply = supply[supply > 0]  # a service with zero capacity serves no one (and cannot absorb coverage)
    services = services.loc[supply.index]
    demand = target_population(units, target=kind if kind in SERVICE_TARGETS else "all")
    reach = minutes if method == "2sfca" else max(max(steps), minutes)
    costs = straight_line_costs(demand_points(units), services, mode=mode, max_minutes=reach)
    nearest = nearest_service(costs, origin_index=units.index)
    if method == "2sfca":
        ratio = two_step_fca(costs, demand, supply, max_cost=minutes)
    else:
        ratio = enhanced_two_step_fca(costs, demand, supply, steps=steps)
    per_point = nearest.assign(supply_per_demand=ratio)
    gaps = coverage_gaps(costs, demand, max_cost=minutes, supply=supply)
    overlaps = coverage_overlaps(costs, demand, max_cost=minutes)
    coverage = capacity_limited_coverage(costs, demand, supply, max_cost=minutes, population_per_capacity=per_capacity)
    return {"costs": costs, "demand": demand, "per_point": per_point, "gaps": gaps, "overlaps": overlaps,
            "coverage": coverage, "areas": gap_areas(gaps, units), "minutes": minutes, "level": level}


def suggest(result: dict, p: int, method: str):
    """Maximal covering: p new sites among the centroids of the gap units (greedy, or exact within 20 s)."""
    units = common.units(result["level"])
    candidates = candidates_from_units(units, mask=~result["gaps"]["covered"])
    if candidates.empty:
        return None, candidates
    costs = straight_line_costs(demand_points(units), candidates, mode=result["mode"], max_minutes=result["minutes"])
    found = maximal_covering(costs, result["demand"], candidates.index, p=min(p, len(candidates)), max_cost=result["minutes"],
                             existing_costs=result["costs"], method=method, time_limit_s=20.0)
    return found, candidates.loc[found.sites]


def number(value, decimals: int = 0) -> str:
    return format_number(value, decimals, common.lang())


st.header(t("access_title"))
kinds = sorted(common.services()["service_type"].astype(str).unique())
c1, c2, c3, c4 = st.columns(4)
kind = c1.selectbox(t("service_type"), kinds, format_func=common.service_type_label, key="access_kind")
mode = c2.selectbox(t("mode"), list(SPEED_KMH), format_func=lambda m: t(f"mode_{m}"), key="access_mode")
c3.selectbox(t("engine"), ["straight"], format_func=lambda e: t(f"engine_{e}"), key="access_engine")
level = c4.selectbox(t("level"), list(common.EXPLORE_LEVELS), format_func=common.level_label, key="access_level")
c1, c2, c3, c4 = st.columns(4)
method = c1.selectbox(t("method"), ["2sfca", "e2sfca"], format_func=lambda m: t(f"method_{m}"), key="access_method")
minutes = c2.number_input(t("threshold"), min_value=1.0, max_value=60.0, value=10.0, step=1.0, key="access_minutes")
steps_text = c3.text_input(t("steps"), ", ".join(f"{k:g}:{v:g}" for k, v in DEFAULT_STEPS.items()), help=t("steps_help"),
                           key="access_steps", disabled=method != "e2sfca")
per_capacity = c4.number_input(t("pop_per_capacity"), min_value=1.0, value=POP_PER_CAPACITY.get(kind, 1000.0), step=50.0,
                               key=f"access_per_capacity_{kind}")
plan = common.plan_picker(level, key=f"access_plan_{level}")

settings_now = (common.data_dir(), common.services_key(), level, kind, mode, method, minutes, steps_text, per_capacity)
if st.button(t("run_analysis"), type="primary", key="access_run"):
    try:
        steps = parse_steps(steps_text) if method == "e2sfca" else {}
        with st.spinner(t("run_analysis")):
            result = analyse(level, kind, mode, method, minutes, steps, per_capacity)
        st.session_state["access"] = {**result, "settings": settings_now, "mode": mode, "kind": kind}
    except (ZorgzonesError, ValueError) as exc:
        common.show_error(exc)
result = st.session_state.get("access")
if result is None:
    st.info(t("analysis_hint"))
    st.stop()
if result["settings"] != settings_now:
    st.warning(t("analysis_stale"))

level, minutes = result["level"], result["minutes"]
units = common.units(level)
names = units["name"].astype(str)
per_point, demand = result["per_point"], result["demand"]
summary = summarise_access(per_point, demand, max_minutes=minutes).iloc[0]
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("mean_travel"), number(summary["mean_travel_min"], 1))
m2.metric(t("pop_beyond", t=f"{minutes:g}"), number(summary["pop_beyond"]))
m3.metric(t("supply_per_1000"), number(summary["supply_per_1000"], 3))
coverage = result["coverage"]
covered = coverage.units["covered_pop"].sum() / max(coverage.units["target_pop"].sum(), 1)
m4.metric(t("covered_share"), number(covered * 100, 1) + " %")

st.subheader(t("siting"))
s1, s2 = st.columns([1, 3])
p = s1.number_input(t("n_sites"), min_value=1, max_value=20, value=3, key="access_p")
exact_key = (result["settings"], int(p))
if st.session_state.get("access_greedy", (None,))[0] != exact_key:  # greedy is quick, but not on every rerun
    st.session_state["access_greedy"] = (exact_key, *suggest(result, int(p), "greedy"))
_, greedy, greedy_sites = st.session_state["access_greedy"]
if s1.button(t("siting_exact"), key="access_exact") and greedy is not None:
    try:
        with st.spinner(t("siting_exact")):
            st.session_state["access_exact_result"] = (exact_key, *suggest(result, int(p), "exact"))
    except ZorgzonesError as exc:
        common.show_error(exc)
exact = st.session_state.get("access_exact_result")
exact = exact if exact is not None and exact[0] == exact_key else None
if greedy is None:
    s2.info(t("no_candidates"))
else:
    s2.write(t("siting_greedy", pop=number(greedy.value), t=f"{minutes:g}"))
    if exact is not None:
        s2.write(t("siting_exact_result", status=exact[1].status, s=exact[1].seconds, pop=number(exact[1].value), t=f"{minutes:g}"))

analysis = {}
if len(result["areas"]):
    analysis[t("layer_gaps")] = result["areas"][["rank", "population", "units", "geometry"]].round(1)
for label, sites in ((t("layer_greedy"), greedy_sites), (t("layer_exact"), exact[2] if exact else None)):
    if sites is not None and len(sites):
        analysis[label] = sites.assign(name=names.reindex(sites["source_unit"]).to_numpy())[["name", "geometry"]]
key = repr((result["settings"], int(p), bool(exact)))
fmap = common.web_map(level, "pop_total", plan, [result["kind"]], analysis=analysis, analysis_key=key)
common.show_map(fmap, key="access_map")

table = pd.DataFrame({t("name"): names, t("travel_min"): per_point["nearest_cost"].round(1),
                      t("supply_per_1000"): (per_point["supply_per_demand"] * 1000).round(3)})
left, right = st.columns(2)
with left:
    st.subheader(t("gaps"))
    gaps = ranked(result["gaps"], column="pop_beyond")
    if gaps.empty:
        st.success(t("no_gaps"))
    else:
        st.dataframe(gaps[["rank", "pop_beyond"]].join(table), hide_index=True, height=260, width="stretch")
with right:
    st.subheader(t("overlaps"))
    overlaps = ranked(result["overlaps"], column="pop_overlap")
    st.dataframe(overlaps[["rank", "services_within", "pop_overlap"]].join(table[[t("name")]]), hide_index=True, height=260,
                 width="stretch")

st.subheader(t("capacity_coverage"))
facilities = coverage.facilities.join(common.services()["name"])
st.dataframe(facilities[["name", "order", "capacity", "covered_pop", "capacity_realised", "capacity_residual"]].head(200),
             height=240, width="stretch")
if plan is not None:
    st.subheader(t("by_zone"))
    zone_of = plan.assignment.reindex(units.index)
    by_zone = summarise_access(per_point, demand, zone_of.rename("zone_id"), max_minutes=minutes)
    by_zone = by_zone.join(coverage.by_zone(zone_of)[["covered_share", "residual_pop"]])
    by_zone.insert(0, "zone_name", [plan.zone_name(z) for z in by_zone.index])
    st.dataframe(by_zone.drop(columns=["note", "n_points"]).round(3), width="stretch")
