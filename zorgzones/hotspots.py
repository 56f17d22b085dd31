"""Hot spots of need: Getis-Ord Gi* and local Moran over unit adjacency."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import W, fill_diagonal

from zorgzones.adjacency import ISLAND_POLICIES, UnitGraph, unit_graph
from zorgzones.errors import Report, ValidationError
from zorgzones.indicators import INDICATORS, uses_age_bands
from zorgzones.settings import CLUSTER_SEED, HOTSPOT_ALPHA, HOTSPOT_PERMUTATIONS
from zorgzones.typology import need_indicators
from zorgzones.zones import require_projected

GI_LABELS = ("hot", "cold", "ns")
LISA_LABELS = ("HH", "LL", "HL", "LH", "ns")
#: esda's quadrant codes of local Moran: 1 high-high, 2 low-high, 3 low-low, 4 high-low.
_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


def weights_from_graph(graph: UnitGraph, positions: np.ndarray | None = None) -> W:
    """A libpysal ``W`` (binary, ids = unit ids) from the graph's neighbour lists, island links of its policy
    included; with ``positions`` only those units (and the edges among them) are kept."""
    keep = np.arange(graph.n) if positions is None else np.asarray(positions)
    inside = set(keep.tolist())
    ids = graph.unit_ids
    neighbours = {ids[i]: [ids[j] for j in sorted(set(graph.neighbours[i])) if j in inside and j != i] for i in keep}
    return W(neighbours, id_order=[ids[i] for i in keep], silence_warnings=True)


@dataclass
class HotSpots:
    """Local statistics per unit (``units``: value, gi_z, gi_p, gi_label, lisa_i, lisa_z, lisa_p, lisa_label,
    age_estimated) plus global Moran's I (``moran_p``: normal approximation) and the settings that produced them."""

    units: pd.DataFrame
    indicator: str
    moran_i: float
    moran_p: float
    permutations: int
    seed: int
    alpha: float
    fdr: bool
    thresholds: dict
    notes: list = field(default_factory=list)

    def counts(self) -> dict:
        return {"gi": {k: int((self.units["gi_label"] == k).sum()) for k in GI_LABELS},
                "lisa": {k: int((self.units["lisa_label"] == k).sum()) for k in LISA_LABELS}}

    def to_dict(self) -> dict:
        """JSON-ready: settings, global Moran's I, label counts and one record per unit."""
        keep = [c for c in ("unit_id", "name", "value", "gi_z", "gi_p", "gi_label", "lisa_i", "lisa_z", "lisa_p",
                            "lisa_label", "age_estimated") if c in self.units.reset_index().columns]
        records = self.units.reset_index()[keep].replace({np.nan: None}).to_dict(orient="records")
        return {"indicator": self.indicator, "permutations": self.permutations, "seed": self.seed, "alpha": self.alpha,
                "fdr": self.fdr, "p_thresholds": dict(self.thresholds), "moran_i": self.moran_i, "moran_p": self.moran_p,
                "counts": self.counts(), "notes": list(self.notes),
                "units": [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()} for r in records]}


def pseudo_p(observed: np.ndarray, simulated: np.ndarray, *, tolerance: float = 1e-9) -> np.ndarray:
    """Pseudo p-value per unit, one-sided towards the observed side: (simulated values at least as extreme + 1) /
    (permutations + 1). Unlike esda's own p_sim, values equal to the observed one up to ``tolerance`` (relative) count
    as ties, so a unit whose neighbours all share one value (estimated age bands within a municipality) is not
    called significant because of floating-point noise."""
    observed = np.asarray(observed, dtype=float)[:, None]
    simulated = np.asarray(simulated, dtype=float)
    slack = tolerance * np.maximum(1.0, np.abs(observed))
    upper = (simulated >= observed - slack).sum(axis=1)
    lower = (simulated <= observed + slack).sum(axis=1)
    return (np.minimum(upper, lower) + 1.0) / (simulated.shape[1] + 1.0)


def local_statistics(values: pd.Series, weights: W, *, permutations: int = HOTSPOT_PERMUTATIONS, seed: int = CLUSTER_SEED,
                     alpha: float = HOTSPOT_ALPHA, fdr: bool = False) -> tuple[pd.DataFrame, dict]:
    """Gi* (self-weight 1, row-standardised) and local Moran of ``values`` (ordered like ``weights.id_order``) with
    ``permutations`` conditional permutations (seeded; pseudo p-values by :func:`pseudo_p`), and global Moran's I
    (p from the normal approximation). A unit is significant when its pseudo p-value is at most
    ``alpha``, or with ``fdr`` at most the Benjamini-Hochberg threshold of esda.fdr (computed per statistic)."""
    y = values.to_numpy(dtype=float)
    focal = fill_diagonal(weights, 1.0)  # Gi*: each unit counts in its own neighbourhood, like each neighbour
    with warnings.catch_warnings():
        # esda 2.x announces a new default alternative for its p_sim, which we do not use (see pseudo_p)
        warnings.filterwarnings("ignore", message="The alternative hypothesis for conditional randomization",
                                category=DeprecationWarning)
        gi = esda.G_Local(y, focal, transform="R", permutations=permutations, star=None, seed=seed, n_jobs=1,
                          keep_simulations=True)
        lisa = esda.Moran_Local(y, weights, transformation="r", permutations=permutations, seed=seed, n_jobs=1,
                                keep_simulations=True)
    moran = esda.Moran(y, weights, transformation="r", permutations=0)
    gi_p, lisa_p = pseudo_p(gi.Gs, gi.rGs), pseudo_p(lisa.Is, lisa.rlisas)
    gi_cut = float(esda.fdr(gi_p, alpha)) if fdr else alpha
    lisa_cut = float(esda.fdr(lisa_p, alpha)) if fdr else alpha
    gi_z = np.asarray(gi.Zs, dtype=float)
    gi_sig = gi_p < gi_cut if fdr else gi_p <= alpha  # esda.fdr's threshold is exclusive
    lisa_sig = lisa_p < lisa_cut if fdr else lisa_p <= alpha
    gi_label = np.where(gi_sig, np.where(gi_z > 0, "hot", "cold"), "ns")
    quadrant = np.array([_QUADRANTS.get(int(q), "ns") for q in lisa.q], dtype=object)
    lisa_label = np.where(lisa_sig, quadrant, "ns")
    frame = pd.DataFrame({"value": y, "gi_z": gi_z, "gi_p": gi_p, "gi_label": gi_label,
                          "lisa_i": np.asarray(lisa.Is, dtype=float), "lisa_z": np.asarray(lisa.z_sim, dtype=float),
                          "lisa_p": lisa_p, "lisa_label": lisa_label},
                         index=pd.Index(weights.id_order, name="unit_id"))
    return frame, {"moran_i": float(moran.I), "moran_p": float(moran.p_norm), "gi_threshold": gi_cut, "lisa_threshold": lisa_cut}


def hot_spots(units: gpd.GeoDataFrame, *, indicator: str = "share_80plus", values: pd.Series | None = None,
              bundle=None, graph: UnitGraph | None = None, island_policy: str = "nearest",
              permutations: int = HOTSPOT_PERMUTATIONS, seed: int = CLUSTER_SEED, alpha: float = HOTSPOT_ALPHA,
              fdr: bool = False) -> HotSpots:
    """Where ``indicator`` (a key of indicators.py, or ``values`` aligned to ``units``) clusters high or low.

    Weights are the rook adjacency of :func:`adjacency.unit_graph` with its ``island_policy`` (under "nearest" an
    island such as Voeren is linked to the nearest unit of its region). Units without a value (no inhabitants) are
    left out, with a note; units left without any neighbour get label ``ns`` and no statistics.
    """
    require_projected(units)
    report = Report("hot spots")
    if values is None and indicator not in INDICATORS:
        report.problem(f"unknown indicator {indicator!r}; expected one of {', '.join(INDICATORS)}")
    if not (isinstance(permutations, (int, np.integer)) and 99 <= permutations <= 99_999):
        report.problem(f"permutations {permutations!r}; expected a whole number from 99 to 99999 (999 is usual)")
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        report.problem(f"alpha {alpha!r}; expected a probability between 0 and 1, such as 0.05")
    if island_policy not in ISLAND_POLICIES:
        report.problem(f"island policy {island_policy!r}; expected one of {ISLAND_POLICIES}")
    if values is not None and not values.index.equals(units.index):
        report.problem("values must be aligned to units (same index, same order)")
    if graph is not None and list(graph.unit_ids) != list(units.index):
        report.problem("graph was built from other units (or another order); pass the graph of these units or none")
    if values is not None and (values.to_numpy(dtype=float) < 0).any():
        report.problem(f"{int((values.to_numpy(dtype=float) < 0).sum())} negative value(s): Getis-Ord G needs values >= 0 "
                       "(shift them, e.g. subtract the minimum)")
    report.raise_if_problems()
    notes = []
    if values is None:
        table = need_indicators(units, bundle=bundle, indicators=(indicator,))
        values = table[indicator]
        estimated = table["age_estimated"]
    else:
        estimated = pd.Series(False, index=units.index)
    graph = graph if graph is not None else unit_graph(units, island_policy=island_policy)
    ok = np.isfinite(values.to_numpy(dtype=float))
    if not ok.all():
        notes.append(f"{int((~ok).sum())} unit(s) without a value (e.g. no inhabitants) are left out")
    positions = np.flatnonzero(ok)
    weights = weights_from_graph(graph, positions)
    alone = [i for i in weights.id_order if weights.cardinalities[i] == 0]
    if alone:
        notes.append(f"{len(alone)} unit(s) without neighbours get no local statistic: {', '.join(map(str, alone[:10]))}")
        positions = np.array([p for p in positions if graph.unit_ids[p] not in set(alone)], dtype=np.int64)
        weights = weights_from_graph(graph, positions)
    if len(positions) < 3:
        raise ValidationError("hot spots", [f"{len(positions)} unit(s) with a value and a neighbour; at least 3 are needed"])
    stats, summary = local_statistics(values.iloc[positions], weights, permutations=int(permutations), seed=seed,
                                      alpha=alpha, fdr=fdr)
    out = stats.reindex(units.index)
    out["value"] = values.astype(float)
    out["gi_label"] = out["gi_label"].fillna("ns")
    out["lisa_label"] = out["lisa_label"].fillna("ns")
    if "name" in units.columns:
        out.insert(0, "name", units["name"])
    out["pop_total"] = units["pop_total"].astype(float) if "pop_total" in units.columns else np.nan
    out["age_estimated"] = estimated.astype(bool)
    out.index.name = "unit_id"
    if out["age_estimated"].any() and indicator in INDICATORS and uses_age_bands(indicator):
        notes.append(f"{int(out['age_estimated'].sum())} unit(s) rest on estimated age bands: {indicator} is an estimate there "
                     "(their municipality's age structure), so hot spots inside a municipality cannot be told apart")
    if graph.links:
        notes.append(f"island policy {graph.island_policy!r}: {len(graph.links)} virtual link(s) "
                     f"({', '.join(str(link['unit_id']) for link in graph.links[:5])})")
    rule = f"FDR (Benjamini-Hochberg) at {alpha}" if fdr else f"pseudo p <= {alpha}"
    notes.append(f"{permutations} permutations (seed {seed}); significant: {rule}")
    return HotSpots(out, indicator, summary["moran_i"], summary["moran_p"], int(permutations), seed, alpha, fdr,
                    {"gi": summary["gi_threshold"], "lisa": summary["lisa_threshold"]}, notes)


def cluster_polygons(units: gpd.GeoDataFrame, labels: pd.Series, *, graph: UnitGraph | None = None,
                     ignore: tuple = ("ns", "")) -> gpd.GeoDataFrame:
    """Dissolved polygons of connected units sharing a label (``labels`` aligned to ``units``, e.g. ``gi_label``):
    one row per connected cluster with label, cluster_id, n_units, pop_total, unit_ids and geometry."""
    require_projected(units)
    graph = graph if graph is not None else unit_graph(units)
    label = labels.reindex(graph.unit_ids).astype(object).fillna("").to_numpy()
    rows = []
    for value in sorted(set(label.tolist()) - set(ignore)):
        members = np.flatnonzero(label == value)
        for part in graph.components(members):
            rows.append({"label": value, "positions": sorted(part)})
    rows.sort(key=lambda r: (r["label"], graph.unit_ids[r["positions"][0]]))
    geoms = units.geometry.reindex(graph.unit_ids).to_numpy()
    pop = units["pop_total"].reindex(graph.unit_ids).to_numpy(dtype=float) if "pop_total" in units.columns else np.zeros(graph.n)
    records = [{"label": r["label"], "cluster_id": f"{r['label']}-{i + 1}", "n_units": len(r["positions"]),
                "pop_total": float(pop[r["positions"]].sum()),
                "unit_ids": ",".join(str(u) for u in graph.unit_ids[r["positions"]]),
                "geometry": gpd.GeoSeries(geoms[r["positions"]], crs=units.crs).union_all()} for i, r in enumerate(rows)]
    return gpd.GeoDataFrame(records, columns=["label", "cluster_id", "n_units", "pop_total", "unit_ids", "geometry"],
                            geometry="geometry", crs=units.crs)
