"""Plan editing: move, merge, split, undo/redo with live metrics.

Interactive plan editing: move units, merge and split zones, undo/redo, with zone metrics updated
incrementally.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd

from zorgzones.errors import ValidationError
from zorgzones.partition import Bisector
from zorgzones.plan_metrics import MetricContext, finish_metrics, plan_summary
from zorgzones.zones import Plan


def _assign(assignment: pd.Series, unit_ids: list, zone_id: str) -> pd.Series:
    """A copy of ``assignment`` with ``unit_ids`` (all present) set to ``zone_id``."""
    values = assignment.to_numpy(dtype=object, copy=True)
    values[assignment.index.get_indexer(unit_ids)] = zone_id
    return pd.Series(values, index=assignment.index, name=assignment.name, dtype=object)


class PlanEditor:
    """Holds a plan being edited; every operation returns the new ``Plan`` and refreshes only the touched zones'
    metrics (``.metrics``). ``undo()``/``redo()`` walk the history; ``history`` describes each step."""

    def __init__(self, units: gpd.GeoDataFrame, plan: Plan, *, services: gpd.GeoDataFrame | None = None,
                 min_population: float | None = None, max_population: float | None = None,
                 context: MetricContext | None = None, island_policy: str = "nearest"):
        self.context = context if context is not None else MetricContext(units, services=services, island_policy=island_policy)
        self.units = units
        self.min_population, self.max_population = min_population, max_population
        self._position = self.context.graph.position
        self._plan = plan
        self._members = {z: set(m) for z, m in self.context.positions(plan).items()}
        self._rows = {z: self.context.zone_row(sorted(m)) for z, m in self._members.items()}
        self._metrics = None
        self._undo: list = []
        self._redo: list = []
        self.history: list[str] = []
        self.last_change: dict = {}

    # -- state -------------------------------------------------------------------------------------------------
    @property
    def plan(self) -> Plan:
        return self._plan

    @property
    def metrics(self) -> pd.DataFrame:
        """Zone metrics of the current plan (same columns as ``plan_checks.zone_metrics``)."""
        if self._metrics is None:
            self._metrics = finish_metrics(self._rows, self._plan, min_population=self.min_population,
                                           max_population=self.max_population)
        return self._metrics

    @property
    def zone_population(self) -> pd.Series:
        """Population per zone, without building the whole metric table."""
        return pd.Series({z: row["pop_total"] for z, row in self._rows.items()}, dtype=float).sort_index()

    def summary(self) -> dict:
        return plan_summary(self.metrics)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def use_context(self, units: gpd.GeoDataFrame, context: MetricContext) -> None:
        """Recompute every zone's metrics from ``context`` (the same units with other figures, e.g. another year's
        population, see ``MetricContext.with_population``); the plan and its undo/redo history stay."""
        if not np.array_equal(context.graph.unit_ids, self.context.graph.unit_ids):
            raise ValidationError("plan edit", ["the new figures are for other units than the plan being edited"])
        self.context, self.units = context, units
        self._rows = {z: context.zone_row(sorted(m)) for z, m in self._members.items()}
        self._metrics = None

    # -- operations --------------------------------------------------------------------------------------------
    def move(self, unit_ids, zone_id: str, *, zone_name: str | None = None) -> Plan:
        """Move one unit id or a list of them to ``zone_id`` (a new zone id creates a zone, named ``zone_name``)."""
        unit_ids = [unit_ids] if isinstance(unit_ids, str) else list(unit_ids)
        unknown = [u for u in unit_ids if u not in self._plan.assignment.index]
        problems = [f"unit(s) {unknown[:20]} are not in plan {self._plan.name!r}; pick units of the plan"] if unknown else []
        if not isinstance(zone_id, str) or not zone_id.strip():
            problems.append(f"zone id {zone_id!r} is empty; give the zone to move to")
        if problems:
            raise ValidationError("move", problems)
        assignment = _assign(self._plan.assignment, unit_ids, zone_id)
        names = {zone_id: zone_name} if zone_name else None
        return self._apply(assignment, f"move {', '.join(unit_ids[:5])}{' …' if len(unit_ids) > 5 else ''} to {zone_id}", names)

    def merge(self, zone_a: str, zone_b: str, *, zone_name: str | None = None) -> Plan:
        """Put every unit of ``zone_b`` into ``zone_a`` (optionally renaming the merged zone)."""
        self._require_zones(zone_a, zone_b)
        if zone_a == zone_b:
            raise ValidationError("merge", [f"cannot merge zone {zone_a} with itself; pick two different zones"])
        assignment = self._plan.assignment.where(self._plan.assignment != zone_b, zone_a)
        names = {zone_a: zone_name} if zone_name else None
        return self._apply(assignment, f"merge {zone_b} into {zone_a}", names)

    def split(self, zone_id: str, unit_ids=None, *, new_zone_id: str | None = None, new_zone_name: str | None = None,
              seed: int = 0) -> Plan:
        """Split a zone: the given ``unit_ids`` form the new zone, or (None) two contiguous halves of about equal
        population drawn along a spanning tree (deterministic for ``seed``)."""
        self._require_zones(zone_id)
        members = sorted(self._members.get(zone_id, ()))
        if len(members) < 2:
            raise ValidationError("split", [f"zone {zone_id} has {len(members)} unit(s); a split needs at least 2"])
        new_zone_id = new_zone_id or self._free_id(zone_id)
        if new_zone_id in set(self._plan.assignment):
            raise ValidationError("split", [f"new zone id {new_zone_id!r} is already used; choose another"])
        if unit_ids is None:
            graph = self.context.graph
            bisector = Bisector(graph.neighbours, graph.edge_length, self.context.pop["pop_total"], np.random.default_rng(seed))
            total = float(self.context.pop["pop_total"][members].sum())
            side, _ = bisector.bisect(members, 1, 1, 0.0, total)
            unit_ids = graph.unit_ids[sorted(side)].tolist()
        else:
            unit_ids = [unit_ids] if isinstance(unit_ids, str) else list(unit_ids)
            outside = [u for u in unit_ids if self._plan.assignment.get(u) != zone_id]
            if outside:
                raise ValidationError("split", [f"unit(s) {outside[:20]} are not in zone {zone_id}; pick units of that zone"])
        assignment = _assign(self._plan.assignment, unit_ids, new_zone_id)
        names = {new_zone_id: new_zone_name or f"{self._plan.zone_name(zone_id)} ({new_zone_id})"}
        return self._apply(assignment, f"split {len(unit_ids)} unit(s) of {zone_id} into {new_zone_id}", names)

    def rename(self, zone_id: str, zone_name: str) -> Plan:
        self._require_zones(zone_id)
        return self._apply(self._plan.assignment, f"rename {zone_id} to {zone_name!r}", {zone_id: zone_name})

    def undo(self) -> Plan:
        if not self._undo:
            raise ValidationError("undo", ["nothing to undo"])
        previous, label = self._undo.pop()
        self._redo.append((self._plan, label))
        self._switch(previous, f"undo {label}")
        return self._plan

    def redo(self) -> Plan:
        if not self._redo:
            raise ValidationError("redo", ["nothing to redo"])
        following, label = self._redo.pop()
        self._undo.append((self._plan, label))
        self._switch(following, f"redo {label}")
        return self._plan

    # -- internals ---------------------------------------------------------------------------------------------
    def _require_zones(self, *zone_ids) -> None:
        known = set(self._plan.assignment)
        missing = [z for z in zone_ids if z not in known]
        if missing:
            raise ValidationError("plan edit", [f"zone(s) {missing} are not in plan {self._plan.name!r} (zones: {sorted(known)[:30]})"])

    def _free_id(self, zone_id: str) -> str:
        used, i = set(self._plan.assignment), 2
        while f"{zone_id}-{i}" in used:
            i += 1
        return f"{zone_id}-{i}"

    def _apply(self, assignment: pd.Series, label: str, names: dict | None) -> Plan:
        new = self._plan.with_assignment(assignment, zone_names=names)
        self._undo.append((self._plan, label))
        self._redo.clear()
        self._switch(new, label)
        return new

    def _switch(self, new: Plan, label: str) -> None:
        """Make ``new`` current, recomputing rows only for zones whose units changed."""
        start = time.perf_counter()
        old = self._plan.assignment
        if old.index.equals(new.assignment.index):
            old_values, new_values = old.to_numpy(dtype=object), new.assignment.to_numpy(dtype=object)
        else:
            old_values = old.reindex(new.assignment.index).to_numpy(dtype=object)
            new_values = new.assignment.to_numpy(dtype=object)
        moved = np.flatnonzero(old_values != new_values)
        changed = new.assignment.index[moved]
        touched = {z for z in old_values[moved] if isinstance(z, str)} | {z for z in new_values[moved] if isinstance(z, str)}
        for unit, before, after in zip(changed, old_values[moved], new_values[moved]):
            pos = self._position.get(unit)
            if pos is None:
                continue
            if isinstance(before, str) and before in self._members:
                self._members[before].discard(pos)
            self._members.setdefault(after, set()).add(pos)
        for zone in touched:
            members = self._members.get(zone)
            if members:
                self._rows[zone] = self.context.zone_row(sorted(members))
            else:
                self._members.pop(zone, None)
                self._rows.pop(zone, None)
        self._plan = new
        self._metrics = None
        self.history.append(label)
        self.last_change = {"operation": label, "zones": sorted(touched), "units": [str(u) for u in changed],
                            "seconds": time.perf_counter() - start}
