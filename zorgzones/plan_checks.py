"""Plan validation and side-by-side comparison of two plans.

Plan validation (every finding with the units and zones concerned) and side-by-side comparison of two plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from zorgzones.adjacency import unit_graph
from zorgzones.errors import ValidationError
from zorgzones.i18n import format_number, t
from zorgzones.plan_metrics import (MetricContext, plan_summary, region_summary, resolve_band, zone_metrics,
                                    zone_weighted_means, zones_vs_region)
from zorgzones.zones import Plan, guess_level, require_projected

__all__ = ["PlanReport", "validate_plan", "zone_metrics", "region_summary", "zones_vs_region", "plan_summary", "zone_weighted_means",
           "PlanComparison", "compare_plans", "match_zones"]


@dataclass
class PlanReport:
    """Findings of ``validate_plan``: ``findings`` are dicts (code, severity, zone_id, unit_ids, message)."""

    plan_name: str
    min_population: float | None
    max_population: float | None
    island_policy: str
    findings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    islands: dict = field(default_factory=dict)

    def add(self, code: str, message: str | None = None, *, zone_id=None, unit_ids=(), severity: str = "error",
            template: str | None = None, params: dict | None = None) -> None:
        """A finding; with ``template`` (an i18n key, ``finding_<...>``) the message is its English text and
        :func:`finding_text` gives it in Dutch or French."""
        finding = {"code": code, "severity": severity, "zone_id": zone_id, "unit_ids": [str(u) for u in unit_ids]}
        if template is not None:
            finding["template"], finding["params"] = template, dict(params or {})
        finding["message"] = message if message is not None else finding_text(finding, "en")
        self.findings.append(finding)

    @property
    def errors(self) -> list:
        return [f for f in self.findings if f["severity"] == "error"]

    @property
    def ok(self) -> bool:
        """True when no finding is an error (flagged oversize zones and allowed exclaves are warnings)."""
        return not self.errors

    def codes(self) -> list:
        return [f["code"] for f in self.findings]

    def to_dict(self) -> dict:
        return {"plan": self.plan_name, "ok": self.ok, "band": [self.min_population, self.max_population],
                "island_policy": self.island_policy, "islands": self.islands, "n_findings": len(self.findings),
                "findings": list(self.findings), "notes": list(self.notes)}

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """One row per finding; with ``lang`` the messages and severities in that language."""
        frame = pd.DataFrame(self.findings, columns=["code", "severity", "zone_id", "unit_ids", "message"])
        frame["unit_ids"] = frame["unit_ids"].map(lambda ids: ", ".join(ids))
        if lang is not None:
            frame["message"] = [finding_text(f, lang) for f in self.findings]
            frame["severity"] = [severity_text(f["severity"], lang) for f in self.findings]
        return frame

    def __str__(self) -> str:
        head = f"plan {self.plan_name!r}: {'valid' if self.ok else 'NOT valid'} ({len(self.findings)} finding(s); island policy {self.island_policy})"
        return "\n".join([head] + [f"  [{f['severity']}] {f['code']}: {f['message']}" for f in self.findings]
                         + [f"  note: {n}" for n in self.notes])


def finding_text(finding: dict, lang: str) -> str:
    """A finding's message in ``lang``: its template with numbers written for the language, else (findings about
    unusable input) the English message."""
    if "template" not in finding:
        return finding["message"]
    values = {k: format_number(v, 0, lang) if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
              else v for k, v in finding["params"].items()}
    return t(finding["template"], lang, **values)


def severity_text(severity: str, lang: str) -> str:
    """``error`` / ``warning`` in ``lang``."""
    return t(f"severity_{severity}", lang)


def _ids(values, limit: int = 15) -> str:
    values = [str(v) for v in values]
    return ", ".join(values[:limit]) + (f" … (+{len(values) - limit})" if len(values) > limit else "")


def validate_plan(units: gpd.GeoDataFrame, plan: Plan, *, min_population: float | None = None,
                  max_population: float | None = None, island_policy: str = "nearest",
                  allow_cross_region: bool = False, context: MetricContext | None = None) -> PlanReport:
    """Check a plan against its units and a population band; report every finding at once.

    Codes: ``wrong_level``, ``unknown_unit``, ``duplicate_unit``, ``empty_zone_id``, ``unassigned``,
    ``non_contiguous``, ``exclave_allowed`` (warning), ``below_min``, ``above_max``, ``cross_region``,
    ``oversize_unit`` (warning when the unit is alone in its zone, error otherwise).
    Islands (units touching no other unit of their region, e.g. Voeren) follow ``island_policy``:
    ``"nearest"`` links them to the nearest unit of their region, ``"allow"`` accepts zones whose detached parts
    are only islands, ``"strict"`` treats them like any other unit.
    """
    require_projected(units)
    low, high = resolve_band(plan, min_population, max_population)
    if context is None or context.graph.island_policy != island_policy:
        context = MetricContext(units, graph=unit_graph(units, island_policy=island_policy))
    graph = context.graph
    report = PlanReport(plan.name, low, high, island_policy, islands=graph.report())
    assignment = plan.assignment
    known = set(units.index)

    unknown = [u for u in dict.fromkeys(assignment.index) if u not in known]
    unit_levels = sorted(set(units["level"].astype(str))) if "level" in units.columns else []
    if unknown:
        guessed = guess_level(unknown)
        if unit_levels and guessed is not None and guessed not in unit_levels and len(unknown) > len(assignment) / 2:
            report.add("wrong_level", f"the plan's unit ids look like {guessed} codes (e.g. {unknown[0]!r}) but the units are "
                       f"{'/'.join(unit_levels)}; load units of level {guessed!r} or a plan of {'/'.join(unit_levels)} units",
                       unit_ids=unknown[:50])
        report.add("unknown_unit", f"{len(unknown)} unit id(s) in the plan are not among the {len(units)} units: {_ids(unknown)}; "
                   "check the codes (5-character NIS codes keep their leading zeros) and the level", unit_ids=unknown)
    dup = assignment.index[assignment.index.duplicated()].unique().tolist()
    if dup:
        report.add("duplicate_unit", f"{len(dup)} unit(s) are assigned more than once: {_ids(dup)}; keep one zone per unit", unit_ids=dup)
    empty = [u for u, z in assignment.items() if not isinstance(z, str) or not z.strip()]
    if empty:
        report.add("empty_zone_id", f"{len(empty)} unit(s) have an empty zone id: {_ids(empty)}", unit_ids=empty)
    assigned = set(assignment.index)  # built once: inside the comprehension it was rebuilt per unit (seconds for 2,730)
    missing = [u for u in units.index if u not in assigned]
    if missing:
        report.add("unassigned", template="finding_unassigned", params={"n": len(missing), "ids": _ids(missing)}, unit_ids=missing)

    pop = context.pop["pop_total"]
    ids = graph.unit_ids
    for zone, members in context.positions(plan).items():
        members = np.asarray(members)
        where = {"zone": zone, "zone_name": plan.zone_name(zone)}
        parts = graph.components(members)
        if len(parts) > 1:
            detached = [p for p in parts[1:]]
            only_islands = all(set(ids[p].tolist()) <= graph.islands for p in detached)
            pieces = "; ".join(f"[{_ids(ids[p], 6)}]" for p in parts)
            if island_policy == "allow" and only_islands:
                report.add("exclave_allowed", template="finding_exclave_allowed", params=where | {"n_parts": len(parts) - 1, "pieces": pieces},
                           zone_id=zone, unit_ids=ids[np.concatenate(detached)].tolist(), severity="warning")
            else:
                report.add("non_contiguous", template="finding_non_contiguous", params=where | {"n_parts": len(parts), "pieces": pieces},
                           zone_id=zone, unit_ids=ids[np.concatenate(detached)].tolist())
        regions = sorted(set(graph.region[members].tolist()))
        if len(regions) > 1 and not allow_cross_region:
            by_region = {r: ids[members[graph.region[members] == r]].tolist() for r in regions}
            minority = min(by_region, key=lambda r: len(by_region[r]))
            report.add("cross_region", template="finding_cross_region",
                       params=where | {"regions": " / ".join(regions), "counts": ", ".join(f"{r}: {len(v)}" for r, v in by_region.items())},
                       zone_id=zone, unit_ids=by_region[minority])
        total = float(pop[members].sum())
        oversize = [int(m) for m in members if high is not None and pop[m] > high]
        for m in oversize:
            alone = len(members) == 1
            report.add("oversize_unit", template="finding_oversize_alone" if alone else "finding_oversize_shared",
                       params=where | {"unit": ids[m], "pop": pop[m], "high": high},
                       zone_id=zone, unit_ids=[ids[m]], severity="warning" if alone else "error")
        if low is not None and total < low:
            report.add("below_min", template="finding_below_min", params=where | {"total": total, "gap": low - total, "low": low},
                       zone_id=zone, unit_ids=ids[members].tolist())
        if high is not None and total > high and not (len(members) == 1 and oversize):
            report.add("above_max", template="finding_above_max", params=where | {"total": total, "gap": total - high, "high": high},
                       zone_id=zone, unit_ids=ids[members].tolist())
    for link in graph.links:
        report.notes.append(f"island {link['unit_id']} is linked to the nearest unit of {link['region']}, {link['attached_to']} "
                            f"({link['distance_m']:,.0f} m away) under island policy 'nearest'")
    if island_policy != "nearest" and graph.islands:
        report.notes.append(f"island unit(s) {_ids(sorted(graph.islands))} touch no other unit of their region (policy {island_policy!r})")
    return report


def match_zones(plan_a: Plan, plan_b: Plan, weights: pd.Series | None = None) -> dict:
    """Zone of ``plan_b`` matched to each zone of ``plan_a``: same id when both plans use it, else the one-to-one
    matching sharing the most population (``weights`` per unit; unit counts when None). Unmatched zones map to None."""
    common = plan_a.assignment.index.intersection(plan_b.assignment.index)
    frame = pd.DataFrame({"a": plan_a.assignment.reindex(common).to_numpy(), "b": plan_b.assignment.reindex(common).to_numpy(),
                          "w": (weights.reindex(common).fillna(0).to_numpy() + 1e-9) if weights is not None else 1.0})
    overlap = frame.groupby(["a", "b"])["w"].sum().unstack(fill_value=0.0)
    same = sorted(set(plan_a.zone_ids) & set(plan_b.zone_ids))
    if len(same) >= 0.5 * max(len(plan_a.zone_ids), 1):
        return {z: (z if z in set(plan_b.zone_ids) else None) for z in plan_a.zone_ids}
    rows, cols = linear_sum_assignment(-overlap.to_numpy())
    matched = {overlap.index[r]: overlap.columns[c] for r, c in zip(rows, cols) if overlap.iat[r, c] > 0}
    return {z: matched.get(z) for z in plan_a.zone_ids}


@dataclass
class PlanComparison:
    """Result of ``compare_plans``: moved units, zone-by-zone metric changes and a summary of each plan."""

    moved: pd.DataFrame
    zones: pd.DataFrame
    summary: dict

    def to_dict(self) -> dict:
        zones = self.zones.reset_index().replace({np.nan: None})
        return {"summary": self.summary, "moved": self.moved.to_dict(orient="records"),
                "zones": zones.to_dict(orient="records")}


def compare_plans(units: gpd.GeoDataFrame, plan_a: Plan, plan_b: Plan, *, services: gpd.GeoDataFrame | None = None,
                  min_population: float | None = None, max_population: float | None = None,
                  context: MetricContext | None = None) -> PlanComparison:
    """Compare two plans of the same units: units whose zone changed (after matching zones by id or shared
    population), each metric of matched zones side by side with its change, and both plans' summaries."""
    problems = [f"plan {p.name!r} has none of the {len(units)} units (is it a plan of another level?)"
                for p in (plan_a, plan_b) if not p.assignment.index.isin(units.index).any()]
    if problems:
        raise ValidationError("plan comparison", problems + ["compare two plans of the same units"])
    ctx = context if context is not None else MetricContext(units, services=services)
    band = resolve_band(plan_a, min_population, max_population)
    metrics_a = zone_metrics(units, plan_a, min_population=band[0], max_population=band[1], context=ctx)
    metrics_b = zone_metrics(units, plan_b, min_population=band[0], max_population=band[1], context=ctx)
    pop = pd.Series(ctx.pop["pop_total"], index=ctx.graph.unit_ids)
    matching = match_zones(plan_a, plan_b, pop)
    a = plan_a.assignment.reindex(units.index)
    b = plan_b.assignment.reindex(units.index)
    expected = a.map(lambda z: matching.get(z) if isinstance(z, str) else None)
    moved_mask = (expected.astype(object) != b.astype(object)).to_numpy()
    moved = pd.DataFrame({"unit_id": units.index[moved_mask].astype(object), "zone_a": a[moved_mask].to_numpy(dtype=object),
                          "zone_b": b[moved_mask].to_numpy(dtype=object), "pop_total": pop[moved_mask].round().astype(np.int64).to_numpy()})
    numeric = [c for c in metrics_a.columns if pd.api.types.is_numeric_dtype(metrics_a[c]) and not pd.api.types.is_bool_dtype(metrics_a[c])]
    rows = []
    for zone_a, zone_b in list(matching.items()) + [(None, z) for z in plan_b.zone_ids if z not in set(matching.values())]:
        row = {"zone_a": zone_a, "zone_b": zone_b}
        for column in numeric:
            va = metrics_a.at[zone_a, column] if zone_a in metrics_a.index else np.nan
            vb = metrics_b.at[zone_b, column] if zone_b in metrics_b.index else np.nan
            row[f"{column}_a"], row[f"{column}_b"], row[f"{column}_change"] = va, vb, vb - va
        rows.append(row)
    zones = pd.DataFrame(rows)
    summary = {"plan_a": {"name": plan_a.name, **plan_summary(metrics_a)}, "plan_b": {"name": plan_b.name, **plan_summary(metrics_b)},
               "units_moved": int(moved_mask.sum()), "pop_moved": int(moved["pop_total"].sum()),
               "band": [band[0], band[1]]}
    return PlanComparison(moved, zones, summary)
