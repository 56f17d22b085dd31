"""Checks that two plans, a plan and its units, or a zone count fit together."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .errors import ValidationError
from .settings import LEVELS
from .zones import Plan, refine_plan


def unit_levels(plan: Plan, units_by_level: dict) -> tuple[str | None, dict[str, list[str]]]:
    """The level whose units hold every id of the plan (its own level first), else ``"mixed"`` when the ids are
    spread over several levels, else None; plus the ids per level (coarsest level that has them), to name a mix."""
    ids = plan.assignment.index
    inside = {level: ids.isin(frame.index) for level, frame in units_by_level.items()}
    full = [level for level, hit in inside.items() if hit.all()]
    groups: dict[str, list[str]] = {}
    for unit, hits in zip(ids, zip(*inside.values())):
        level = next((lvl for lvl, hit in zip(inside, hits) if hit), "unknown")
        groups.setdefault(level, []).append(str(unit))
    if full:
        return (plan.level if plan.level in full else full[0]), groups
    known = [level for level in groups if level != "unknown"]
    return ("mixed" if len(known) > 1 else None), groups


def _describe(plan: Plan, level: str | None, groups: dict[str, list[str]]) -> str:
    if level == "mixed":
        order = [*LEVELS, "unknown"]
        parts = [f"{len(groups[k]):,} {k} ids (e.g. {groups[k][0]})" for k in sorted(groups, key=order.index)]
        return f"plan {plan.name!r} mixes levels: {', '.join(parts)}"
    return f"plan {plan.name!r} is at {level or plan.level} level ({plan.assignment.size:,} units)"


def same_level(plan_a: Plan, plan_b: Plan, units_by_level: dict) -> tuple[Plan, Plan, str | None]:
    """Both plans on one unit level (``units_by_level``: level -> units with ``municipality_id``): equal levels pass;
    a municipality plan is mapped onto the finer units of the other plan (each takes its municipality's zone), with
    a note saying so; mixed or unmappable levels are a ValidationError saying what to do."""
    (level_a, groups_a), (level_b, groups_b) = unit_levels(plan_a, units_by_level), unit_levels(plan_b, units_by_level)
    if level_a is None or level_b is None or level_a == level_b:
        plan_a = replace(plan_a, level=level_a or plan_a.level)
        plan_b = replace(plan_b, level=level_b or plan_b.level)
        return plan_a, plan_b, None  # unknown ids are named by check_plan_units
    what = f"{_describe(plan_a, level_a, groups_a)} and {_describe(plan_b, level_b, groups_b)}"
    if "mixed" not in (level_a, level_b) and "municipality" in (level_a, level_b):
        fine_level = level_b if level_a == "municipality" else level_a
        parent = units_by_level[fine_level]["municipality_id"]
        note = f"{what}: compared on {fine_level} units, each taking the zone of its municipality in the municipality plan"
        if level_a == "municipality":
            return refine_plan(plan_a, parent, level=fine_level), replace(plan_b, level=fine_level), note
        return replace(plan_a, level=fine_level), refine_plan(plan_b, parent, level=fine_level), note
    raise ValidationError("plan comparison", [f"{what}; their units cannot be mapped onto each other. Compare two plans "
                                              "of the same units (regenerate one with --level), or a municipality plan "
                                              "with a plan of deelgemeente or neighbourhood units"])


def check_plan_units(units, plans: list[Plan], *, within=None) -> None:
    """Every unit id of the plans must be a known unit, and two plans must assign the same units (of ``within``, the
    units compared, when given: e.g. one region), or a comparison reports units 'moved to nothing'; one
    ValidationError lists every problem."""
    problems = []
    for plan in plans:
        unknown = plan.assignment.index[~plan.assignment.index.isin(units.index)]
        if len(unknown):
            problems.append(f"plan {plan.name!r} has {len(unknown):,} unit id(s) that are not among the {len(units):,} units "
                            f"(e.g. {', '.join(map(str, unknown[:5]))}); is it a plan of other units or another vintage?")
    pairs = []
    if len(plans) == 2:
        a, b = (set(p.assignment.index) & set(units.index if within is None else within) for p in plans)
        pairs = [(plans[0].name, sorted(a - b)), (plans[1].name, sorted(b - a))]
    for name, only in pairs:
        if only:
            problems.append(f"{len(only):,} unit(s) are only in plan {name!r} (e.g. {', '.join(only[:5])}); both plans must "
                            "assign the same units: complete the plans or restrict both with --region")
    if problems:
        raise ValidationError("plan comparison" if len(plans) == 2 else f"plan {plans[0].name!r}", problems)


def check_zone_count(n_zones: int | None, units, low: float | None, high: float | None) -> None:
    """``--n-zones`` must be possible: at most one zone per unit and per ``low`` inhabitants, at least total/``high``."""
    if n_zones is None:
        return
    total = float(units["pop_total"].sum()) if "pop_total" in units else 0.0
    problems = []
    if n_zones > len(units):
        problems.append(f"--n-zones {n_zones:,}: there are only {len(units):,} units, so at most {len(units):,} zones")
    if low and n_zones > total // low:
        problems.append(f"--n-zones {n_zones:,}: {total:,.0f} inhabitants make at most {int(total // low):,} zones of at "
                        f"least {low:,.0f}; lower --n-zones or --min-population")
    if high and n_zones < np.ceil(total / high):
        problems.append(f"--n-zones {n_zones:,}: {total:,.0f} inhabitants need at least {int(np.ceil(total / high)):,} "
                        f"zones of at most {high:,.0f}; raise --n-zones or --max-population")
    if problems:
        raise ValidationError("options", problems)
