"""Zone planner page: edit, generate, save and compare plans.

Zone planner page: edit a plan (move units, merge and split zones) with a live metric panel, undo/redo,
generate, save and compare plans.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import common, years
from app_pages.common import state, t
from app_pages.state import Comparison
from zorgzones import planstore
from zorgzones.errors import ZorgzonesError
from zorgzones.indicators import format_number
from zorgzones.plan_checks import compare_plans, validate_plan
from zorgzones.regionalize import generate_plans
from zorgzones.plan_metrics import generation_band
from zorgzones.settings import GENERATION_PRESETS

PANEL_COLUMNS = ["zone_name", "pop_total", "deviation_band", "in_band", "contiguous", "n_parts", "polsby_popper", "reock"]


def band_styles(panel: pd.DataFrame) -> pd.DataFrame:
    """Population cells green inside the band, red outside (one style per cell, for ``Styler.apply(axis=None)``)."""
    inside = panel[t("col_in_band")].eq(True).to_numpy()
    styles = pd.DataFrame("", index=panel.index, columns=panel.columns)
    for column in (t("col_pop_total"), t("col_deviation_band")):
        styles[column] = ["background-color: #d4edda" if ok else "background-color: #f8d7da" for ok in inside]
    return styles


def column_label(column: str) -> str:
    label = t(f"col_{column}")
    return column if label == f"col_{column}" else label


def move(editor, unit_ids: list, zone_id: str) -> None:
    """Button callback (runs before the widgets are drawn): move the units, then clear the selection."""
    try:
        editor.move(unit_ids, zone_id)
    except ZorgzonesError as exc:
        state.planner_error = exc
        return
    state.planner_message = t("moved", n=len(unit_ids), zone=editor.plan.zone_name(zone_id))
    st.session_state["planner_units"] = []


def merge(editor, zone_id: str, other: str) -> None:
    """Button callback: every unit of zone ``other`` joins ``zone_id`` (undo-able)."""
    names = (editor.plan.zone_name(zone_id), editor.plan.zone_name(other))
    try:
        editor.merge(zone_id, other)
    except ZorgzonesError as exc:
        state.planner_error = exc
        return
    state.planner_message = t("merged", zone=names[0], other=names[1])


def split(editor, zone_id: str, selected: list) -> None:
    """Button callback: the selected units of ``zone_id`` become a new zone; without any, two contiguous halves."""
    before = set(editor.plan.zone_ids)
    chosen = [u for u in selected if editor.plan.assignment.get(u) == zone_id]
    try:
        new_plan = editor.split(zone_id, chosen or None)
    except ZorgzonesError as exc:
        state.planner_error = exc
        return
    new_zone = next(iter(set(new_plan.zone_ids) - before), zone_id)
    n = int((new_plan.assignment == new_zone).sum())
    state.planner_message = t("split_done", zone=new_plan.zone_name(zone_id), n=n, new=new_plan.zone_name(new_zone))
    st.session_state["planner_units"] = []


def pick_clicked(units, plan, clicked: dict | None) -> None:
    """A unit polygon clicked on the map joins the selection (each click once)."""
    feature = (clicked or {}).get("last_active_drawing")
    if feature and feature != state.planner_last_click:
        state.planner_last_click = feature
        unit = common.unit_at(units, feature)
        if unit is not None and unit in plan.assignment.index:
            chosen = list(st.session_state.get("planner_units", []))
            st.session_state["planner_units"] = chosen + ([unit] if unit not in chosen else [])
            st.toast(t("clicked", unit=f"{units.at[unit, 'name']} ({unit})"))


def number(value) -> str:
    return format_number(value, 0, common.lang())


def zone_label(plan, zone_id: str) -> str:
    return f"{plan.zone_name(zone_id)} ({zone_id})"


@st.fragment
def editing(editor) -> None:
    """Map, selection, edit buttons, live panel and findings. A fragment: an edit (or a click on the map) reruns only
    this part of the page, not the generator, scenarios and comparison below."""
    plan = editor.plan
    units = common.units(plan.level)
    # a click on the map arrives (streamlit-folium copies it to session_state["planner_map"]) before this run: it joins the
    # selection first, so the map below already outlines it; the map comes before the selection widget for the same reason
    pick_clicked(units, plan, st.session_state.get("planner_map"))
    map_column, side = st.columns([3, 2])
    with map_column:
        # the base map (units, no plan) is cached and stays in its frame; only the zone layer is redrawn after an edit
        clicked = common.show_map(common.web_map(plan.level, "pop_total", None), key="planner_map",
                                  returned_objects=["last_active_drawing"],
                                  layers=[common.zone_layer(plan, selected=st.session_state.get("planner_units", []))])
    pick_clicked(units, plan, clicked)

    with side:
        known = plan.assignment[plan.assignment.index.isin(units.index)]
        zone_names = {z: plan.zone_name(z) for z in plan.zone_ids}
        labels = {u: f"{name} ({u}) - {zone_names.get(z, z)}"
                  for u, z, name in zip(known.index, known.to_numpy(), units["name"].reindex(known.index).to_numpy())}
        selected = st.multiselect(t("units_to_move"), list(labels), format_func=labels.get, key="planner_units",
                                  placeholder=t("choose_units"))
        target = st.selectbox(t("target_zone"), plan.zone_ids, format_func=lambda z: zone_label(plan, z),
                              key="planner_target")
        b1, b2, b3 = st.columns(3)
        b1.button(t("move"), type="primary", disabled=not selected, key="planner_move", on_click=move, args=(editor, selected, target))
        b2.button(t("undo"), disabled=not editor.can_undo, key="planner_undo", on_click=editor.undo)
        b3.button(t("redo"), disabled=not editor.can_redo, key="planner_redo", on_click=editor.redo)
        with st.expander(t("zone_ops")):
            m1, m2 = st.columns(2)
            keep = m1.selectbox(t("merge_keep"), plan.zone_ids, format_func=lambda z: zone_label(plan, z), key="planner_merge_keep")
            others = [z for z in plan.zone_ids if z != keep]
            other = m2.selectbox(t("merge_other"), others, format_func=lambda z: zone_label(plan, z), key="planner_merge_other")
            st.button(t("merge"), key="planner_merge", disabled=other is None, on_click=merge, args=(editor, keep, other))
            to_split = st.selectbox(t("split_zone"), plan.zone_ids, format_func=lambda z: zone_label(plan, z),
                                    key="planner_split_zone", help=t("split_help"))
            st.button(t("split"), key="planner_split", on_click=split, args=(editor, to_split, selected))
        if state.planner_error is not None:
            common.show_error(state.planner_error)
            del state.planner_error
        if state.planner_message:
            st.success(state.planner_message)
            del state.planner_message
        summary = editor.summary()
        k1, k2, k3 = st.columns(3)
        k1.metric(t("zones_in_band"), f"{summary['zones_in_band']} / {summary['zones']}")
        k2.metric(t("zones_contiguous"), f"{summary['zones_contiguous']} / {summary['zones']}")
        k3.metric(t("mean_pp"), format_number(summary["mean_polsby_popper"], 2, common.lang()))
        low, high = plan.min_population, plan.max_population
        st.caption(f"{t('band')}: {number(low) if low else '-'} - {number(high) if high else t('no_maximum')}")

    st.subheader(t("live_panel"))
    metrics = editor.metrics
    service_columns = [c for c in metrics.columns if c.startswith("n_") and c != "n_units" and c != "n_parts"]
    panel = metrics[PANEL_COLUMNS + service_columns].rename(columns=column_label).rename_axis(t("col_zone_id"))
    st.dataframe(panel.style.apply(band_styles, axis=None).format(precision=2), height=300, width="stretch")
    report = validate_plan(units, plan, context=editor.context)
    st.subheader(t("problems"))
    if report.findings:
        st.dataframe(report.to_frame(lang=common.lang()).rename(columns=column_label), hide_index=True, height=200, width="stretch")
    else:
        st.success(t("no_problems"))
    years.band_check(editor)  # which zones leave the band in which years (issue 14)


st.header(t("planner_title"))
plans = common.plans()
editor = state.editor
if editor is not None and editor.plan.level not in common.PLAN_LEVELS:
    editor = None

with st.expander(t("start_from"), expanded=editor is None):
    start_name = st.selectbox(t("plan"), list(plans), key="planner_start",
                              format_func=lambda n: f"{n} ({common.level_label(plans[n].level)})")
    if st.button(t("start"), key="planner_start_button") or (editor is None and start_name):
        editor = common.start_editor(plans[start_name])
if editor is None:
    st.stop()

plan = editor.plan
units = common.units(plan.level)
st.caption(t("editing", plan=plan.name))
years.sync_editor(editor)  # the live panel, checks and map in the selected year (issue 14)
st.caption(years.population_note(plan.level))

editing(editor)

with st.expander(t("generate")):
    g0, g1, g2, g3, g4 = st.columns(5)
    regions = sorted(GENERATION_PRESETS)  # zones stay within one region, each region has its own band
    plan_regions = set(units["region"].reindex(plan.assignment.index).dropna()) if "region" in units else set()
    gen_region = g0.selectbox(t("gen_region"), regions, format_func=lambda r: t(f"region_{r}"), key="gen_region",
                              index=regions.index(next(iter(plan_regions))) if len(plan_regions) == 1 else regions.index("flanders"))
    gen_level = g1.selectbox(t("level"), list(common.PLAN_LEVELS), format_func=common.level_label, key="gen_level")
    gen_units = common.units(gen_level)
    gen_units = gen_units[gen_units["region"] == gen_region]
    default_low, default_high = generation_band(gen_units).band  # the region's band; the keys keep each region's input
    gen_min = g2.number_input(t("band_min"), min_value=0, value=int(default_low), step=5000, key=f"gen_min_{gen_region}")
    gen_max = g3.number_input(t("band_max"), min_value=0, value=int(default_high), step=5000, key=f"gen_max_{gen_region}")
    gen_n = g4.number_input(t("n_zones"), min_value=0, value=0, key="gen_n")
    use_base = st.checkbox(t("base_plan"), value=False, key="gen_base", disabled=plan.level != gen_level)
    seed = st.number_input(t("seed"), min_value=0, value=0, key="gen_seed")
    if st.button(t("generate_button"), key="gen_button"):
        try:
            with st.spinner(t("generate_button")):
                kept = plan.assignment[plan.assignment.index.isin(gen_units.index)]
                base = plan.with_assignment(kept) if use_base and plan.level == gen_level and len(kept) else None
                found, score = generate_plans(gen_units, min_population=gen_min or None, max_population=gen_max or None,
                                              n_zones=gen_n or None, base_plan=base,
                                              seed=int(seed), name=f"generated {gen_region} {gen_min // 1000}k-{gen_max // 1000}k seed {seed}")[0]
            common.add_plan(found)
            common.start_editor(found)
            state.planner_message = t("generated", plan=found.name, zones=score["zones"], inband=score["zones_in_band"])
            st.rerun()
        except ZorgzonesError as exc:
            common.show_error(exc)

st.subheader(t("scenarios"))
region = common.bundle().title
s1, s2 = st.columns(2)
with s1:
    name = st.text_input(t("scenario_name"), value=plan.name, key="scenario_name")
    if st.button(t("save"), key="scenario_save"):
        try:
            stored = planstore.save_plan(plan, name, region=region)
            st.success(t("saved", name=stored))
        except ZorgzonesError as exc:
            common.show_error(exc)
with s2:
    stored = planstore.list_plans(region=region)
    if stored.empty:
        st.info(t("no_scenarios"))
    else:
        pick = st.selectbox(t("saved_scenarios"), stored["name"].tolist(), key="scenario_pick")
        l1, l2 = st.columns(2)
        if l1.button(t("load"), key="scenario_load"):
            try:
                loaded = planstore.load_plan(pick)
                loaded.name = common.add_plan(loaded)
                common.start_editor(loaded)
                state.planner_message = t("loaded", name=pick)
                st.rerun()
            except ZorgzonesError as exc:
                common.show_error(exc)
        if l2.button(t("delete"), key="scenario_delete"):
            planstore.delete_plan(pick)
            st.rerun()

st.subheader(t("compare"))
c1, c2 = st.columns(2)
with c1:
    plan_a = common.plan_picker(plan.level, key="compare_a", label=t("plan_a"), with_none=False)
with c2:
    plan_b = common.plan_picker(plan.level, key="compare_b", label=t("plan_b"), with_none=False)
if st.button(t("compare_button"), key="compare_button") and plan_a is not None and plan_b is not None:
    state.comparison = Comparison(plan_a, plan_b, compare_plans(units, plan_a, plan_b, context=editor.context))
comparison = state.comparison
if comparison is not None and comparison[0].level == plan.level:
    plan_a, plan_b, result = comparison
    st.write(t("units_moved", n=result.summary["units_moved"], pop=number(result.summary["pop_moved"])))
    st.dataframe(pd.DataFrame({plan_a.name: result.summary["plan_a"], plan_b.name: result.summary["plan_b"]}).astype(str),
                 width="stretch")
    m1, m2 = st.columns(2)
    with m1:
        common.show_map(common.web_map(plan.level, "pop_total", plan_a), key="compare_map_a", height=380)
    with m2:
        common.show_map(common.web_map(plan.level, "pop_total", plan_b), key="compare_map_b", height=380)
    st.dataframe(result.zones, hide_index=True, height=260, width="stretch")
    if len(result.moved):
        moved = result.moved.assign(name=units["name"].reindex(result.moved["unit_id"]).to_numpy())
        st.dataframe(moved, hide_index=True, height=200, width="stretch")
