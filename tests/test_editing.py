"""Plan editing: move, merge, split, undo/redo; incremental metrics equal a full recomputation."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from zorgzones.editing import PlanEditor
from zorgzones.errors import ValidationError
from zorgzones.plan_checks import zone_metrics
from zorgzones.plan_metrics import MetricContext
from zorgzones.zones import Plan


def grid(n: int = 4) -> gpd.GeoDataFrame:
    cells = [box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for y in range(n) for x in range(n)]
    ids = [f"{10001 + i}" for i in range(n * n)]
    pop = [1000 + 100 * i for i in range(n * n)]
    return gpd.GeoDataFrame({"name": ids, "region": "flanders", "level": "municipality", "pop_total": pop,
                             "pop_65plus": [p // 4 for p in pop], "pop_80plus": [p // 10 for p in pop]},
                            geometry=cells, index=pd.Index(ids, name="unit_id"), crs="EPSG:31370")


UNITS = grid()
CONTEXT = MetricContext(UNITS)


def quarters(units) -> Plan:
    """Four 2x2 quarter zones."""
    n = int(np.sqrt(len(units)))
    mapping = {u: "SW SE NW NE".split()[(i // n >= n // 2) * 2 + (i % n >= n // 2)] for i, u in enumerate(units.index)}
    return Plan.from_assignment(pd.Series(mapping), name="quarters", level="municipality")


def assert_metrics_equal(editor: PlanEditor):
    full = zone_metrics(UNITS, editor.plan, context=CONTEXT)
    pd.testing.assert_frame_equal(editor.metrics, full)


def test_move_merge_split_undo_redo():
    editor = PlanEditor(UNITS, quarters(UNITS), context=CONTEXT)
    original = editor.plan
    plan = editor.move("10003", "SW")
    assert plan.assignment["10003"] == "SW" and editor.last_change["zones"] == ["SE", "SW"]
    assert editor.metrics.loc["SW", "n_units"] == 5
    assert_metrics_equal(editor)
    plan = editor.merge("NW", "NE", zone_name="North")
    assert "NE" not in plan.zone_ids and plan.zone_name("NW") == "North"
    assert_metrics_equal(editor)
    plan = editor.split("NW", seed=0)
    assert len(plan.zone_ids) == 4 and "NW-2" in plan.zone_ids
    pops = editor.metrics.loc[["NW", "NW-2"], "pop_total"]
    assert abs(pops.iloc[0] - pops.iloc[1]) <= 1000 + 300  # balanced halves of 8 units
    assert editor.metrics.loc[["NW", "NW-2"], "contiguous"].all()
    assert_metrics_equal(editor)
    plan = editor.split("SW", ["10001"], new_zone_id="X", new_zone_name="corner")
    assert plan.zone_name("X") == "corner" and editor.metrics.loc["X", "n_units"] == 1
    for _ in range(4):
        editor.undo()
    assert editor.plan.equals(original) and not editor.can_undo
    assert_metrics_equal(editor)
    editor.redo()
    assert editor.plan.assignment["10003"] == "SW"
    assert_metrics_equal(editor)
    editor.move(["10016"], "NEW", zone_name="new zone")  # a new edit clears the redo stack
    assert not editor.can_redo and editor.metrics.loc["NEW", "zone_name"] == "new zone"
    assert editor.history[-1] == "move 10016 to NEW"


def test_edit_errors_are_specific():
    editor = PlanEditor(UNITS, quarters(UNITS), context=CONTEXT)
    with pytest.raises(ValidationError, match=r"unit\(s\) \['99999'\] are not in plan"):
        editor.move("99999", "SW")
    with pytest.raises(ValidationError, match="empty"):
        editor.move("10001", "")
    with pytest.raises(ValidationError, match="are not in plan"):
        editor.merge("SW", "XX")
    with pytest.raises(ValidationError, match="with itself"):
        editor.merge("SW", "SW")
    with pytest.raises(ValidationError, match="not in zone SW"):
        editor.split("SW", ["10016"])
    with pytest.raises(ValidationError, match="already used"):
        editor.split("SW", new_zone_id="NE")
    with pytest.raises(ValidationError, match="nothing to undo"):
        editor.undo()
    with pytest.raises(ValidationError, match="nothing to redo"):
        editor.redo()


moves = st.lists(st.tuples(st.sampled_from(list(UNITS.index)), st.sampled_from(["SW", "SE", "NW", "NE", "Q"])),
                 min_size=1, max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves)
def test_moves_then_undos_return_the_original_plan(sequence):
    editor = PlanEditor(UNITS, quarters(UNITS), context=CONTEXT)
    original_metrics = editor.metrics.copy()
    total = UNITS["pop_total"].sum()
    for unit, zone in sequence:
        editor.move(unit, zone)
        assert editor.zone_population.sum() == total
    for _ in sequence:
        editor.undo()
    assert editor.plan.equals(quarters(UNITS))
    pd.testing.assert_frame_equal(editor.metrics, original_metrics)


@settings(max_examples=25, deadline=None)
@given(moves, st.integers(0, 3))
def test_population_over_zones_always_equals_total_and_metrics_match(sequence, seed):
    editor = PlanEditor(UNITS, quarters(UNITS), context=CONTEXT)
    for unit, zone in sequence:
        editor.move(unit, zone)
    zones = editor.plan.zone_ids
    if len(zones) > 1:
        editor.merge(zones[0], zones[1])
    biggest = editor.metrics["n_units"].idxmax()
    if editor.metrics.loc[biggest, "n_units"] > 1 and editor.metrics.loc[biggest, "contiguous"]:
        editor.split(biggest, seed=seed)
    assert editor.metrics["pop_total"].sum() == UNITS["pop_total"].sum()
    assert_metrics_equal(editor)


@pytest.mark.slow
def test_single_move_on_304_municipalities_is_fast(shared_geodata):
    from test_plan_checks import municipalities, official_plan

    units = municipalities(shared_geodata)
    editor = PlanEditor(units, official_plan(units), min_population=60_000)
    editor.metrics
    times = []
    for unit, zone in [("11001", "elz13"), ("44021", "elz1"), ("21004", "elz13")] * 3:
        start = time.perf_counter()
        editor.move(unit, zone)
        editor.metrics
        times.append(time.perf_counter() - start)
    assert np.median(times) < 0.05
    assert editor.metrics["pop_total"].sum() == 7_921_513


def test_another_years_population_swaps_only_the_figures_and_keeps_the_history():
    editor = PlanEditor(UNITS, quarters(UNITS), context=CONTEXT)
    editor.move("10003", "SW")
    later = UNITS.assign(pop_total=UNITS["pop_total"] * 2, pop_65plus=UNITS["pop_65plus"] * 3)  # "2040": doubled, 65+ tripled
    context = CONTEXT.with_population(later)
    assert context.graph is CONTEXT.graph and CONTEXT.pop["pop_total"][0] == 1000  # the base context is left alone
    before = editor.metrics.copy()
    editor.use_context(later, context)
    # SW = units 10001, 10002, 10005, 10006 + 10003: 1000+1100+1400+1500+1200 = 6200 people, doubled
    assert editor.metrics.at["SW", "pop_total"] == 2 * 6200 == 2 * before.at["SW", "pop_total"]
    assert (editor.metrics["pop_65plus"] == 3 * before["pop_65plus"]).all()
    assert (editor.metrics["polsby_popper"] == before["polsby_popper"]).all()  # same shapes
    pd.testing.assert_frame_equal(editor.metrics, zone_metrics(later, editor.plan, context=context))
    editor.undo()  # the history survives the switch, and undo works on the new figures
    assert editor.metrics.at["SW", "pop_total"] == 2 * (1000 + 1100 + 1400 + 1500)
    with pytest.raises(ValueError):
        CONTEXT.with_population(later.iloc[::-1])  # other order: refused
    with pytest.raises(ValidationError):
        editor.use_context(later.iloc[:4], MetricContext(later.iloc[:4]))  # other units: refused
