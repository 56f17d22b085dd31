"""Need types and hot spots of a plenary pack's units, computed once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from zorgzones.indicators import INDICATORS
from zorgzones.settings import CLUSTER_SEED, PACK_EXTRAS, PACK_HOTSPOT_CONFIDENCE, PACK_HOTSPOT_INDICATOR

if TYPE_CHECKING:
    from zorgzones.hotspots import HotSpots
    from zorgzones.typology import Typology

#: Classes of the hot-spot page, strongest hot first, then not significant and no value.
HOT_CLASSES = tuple(f"hot_{round(c * 100)}" for c in PACK_HOTSPOT_CONFIDENCE) + tuple(
    f"cold_{round(c * 100)}" for c in PACK_HOTSPOT_CONFIDENCE) + ("ns", "none")


def parse_extras(values) -> tuple[tuple, list[str]]:
    """``--with`` values (a string or strings, each possibly ``a,b``) as extras in :data:`PACK_EXTRAS` order, and the
    problems (every unknown value, listing the valid ones)."""
    if values is None:
        return (), []
    items = [values] if isinstance(values, str) else list(values)
    given = [part.strip().lower() for item in items for part in str(item).split(",") if part.strip()]
    unknown = [v for v in dict.fromkeys(given) if v not in PACK_EXTRAS]
    problems = [f"--with {v!r} is unknown; expected one or more of {', '.join(PACK_EXTRAS)} (repeat --with or separate "
                "them by commas)" for v in unknown]
    return tuple(e for e in PACK_EXTRAS if e in given), problems


def hotspot_indicator(indicator: str) -> str:
    """The pack's indicator when it is a share of the population (a rate Gi* compares fairly), else share 80+."""
    ind = INDICATORS.get(indicator)
    return indicator if ind is not None and indicator.startswith("share_") and "unit" in ind.scopes else PACK_HOTSPOT_INDICATOR


def confidence_classes(result: HotSpots, *, levels: tuple = PACK_HOTSPOT_CONFIDENCE) -> pd.Series:
    """Per unit ``hot_99`` / ``hot_95`` / ``hot_90`` / ``cold_…`` (the strongest confidence level its pseudo p-value
    reaches, p <= 1 - level), ``ns`` (not significant at the weakest level) or ``none`` (no statistic: no value or
    no neighbour)."""
    p = result.units["gi_p"].to_numpy(dtype=float)
    z = result.units["gi_z"].to_numpy(dtype=float)
    out = np.where(np.isfinite(p), "ns", "none").astype(object)
    for level in sorted(levels):  # weakest first, so the strongest level reached wins
        reached = np.isfinite(p) & (p <= 1.0 - level + 1e-12)
        out[reached] = np.where(z[reached] > 0, f"hot_{round(level * 100)}", f"cold_{round(level * 100)}")
    return pd.Series(out, index=result.units.index, name="gi_class")


@dataclass
class PackClusters:
    """The clustering content of a pack: need types with each zone's mix, and Gi* hot spots with confidence classes
    (None for what was not asked)."""

    typology: Typology | None = None
    mix: pd.DataFrame | None = None
    hotspots: HotSpots | None = None
    classes: pd.Series | None = None


def pack_clusters(units, plan, *, bundle, extras: tuple, indicator: str, seed: int = CLUSTER_SEED) -> PackClusters:
    """Need typology (settings' indicators, k by silhouette, k-means) of the plan's ``units`` and each zone's mix of
    types, and/or Gi* hot spots of :func:`hotspot_indicator` with :data:`PACK_HOTSPOT_CONFIDENCE` classes."""
    # scikit-learn and esda take seconds to load: only a pack with clustering pages loads them
    from zorgzones.hotspots import hot_spots
    from zorgzones.typology import need_typology, zone_type_mix

    inside = units[units.index.isin(plan.assignment.index)]
    out = PackClusters()
    if "typology" in extras:
        out.typology = need_typology(inside, bundle=bundle, seed=seed)
        out.mix = zone_type_mix(out.typology, plan, inside)
    if "hotspots" in extras:
        out.hotspots = hot_spots(inside, indicator=hotspot_indicator(indicator), bundle=bundle, seed=seed)
        out.classes = confidence_classes(out.hotspots)
    return out
