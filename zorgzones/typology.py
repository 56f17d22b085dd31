"""Need typology: units clustered by standardised need indicators."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from scipy.cluster.hierarchy import ward
from scipy.spatial.distance import pdist, squareform
from threadpoolctl import threadpool_limits

from zorgzones.analysis_access import unit_access
from zorgzones.errors import Report, ValidationError
from zorgzones.indicators import INDICATORS, indicator_keys, indicator_values, uses_age_bands
from zorgzones.settings import (CLUSTER_N_INIT, CLUSTER_SEED, CLUSTER_THREADS, GMM_N_INIT, SILHOUETTE_MAX_UNITS,
                                TYPOLOGY_INDICATORS, TYPOLOGY_K_RANGE, TYPOLOGY_LOG_INDICATORS)
from zorgzones.typology_words import describe_profile

METHODS = ("kmeans", "gmm", "ward")


def need_indicators(units: pd.DataFrame, *, bundle=None, indicators: tuple = TYPOLOGY_INDICATORS) -> pd.DataFrame:
    """Raw values of ``indicators`` per unit (aligned to ``units.index``) plus ``age_estimated``.

    Indicators measured against services (``travel_min_<type>``, ``supply_per_1000_<type>``) come from
    :func:`analysis_access.unit_access` on ``bundle`` (the defaults of the service type: the figures of
    ``zorgzones access`` and the Explore map), computed once per service type.
    """
    report = Report("need indicators")
    services = bundle.services() if bundle is not None else None
    known = indicator_keys("unit", service_types=list(services["service_type"].unique()) if services is not None
                           and "service_type" in services.columns else None)
    every = indicator_keys("unit", service_types=[i.service_type for i in INDICATORS.values() if i.service_type])
    for key in indicators:
        if key not in every:
            report.problem(f"unknown indicator {key!r}; expected one of {', '.join(every)}")
        elif INDICATORS[key].service_type and key not in known:
            report.problem(f"indicator {key!r} needs services of type {INDICATORS[key].service_type!r}; "
                           + ("no bundle was given" if services is None else "the bundle has none"))
    if len(set(indicators)) != len(indicators):
        report.problem(f"indicators listed twice: {sorted(k for k in set(indicators) if list(indicators).count(k) > 1)}")
    if not indicators:
        report.problem("no indicators given; pick at least one")
    report.raise_if_problems()
    out = pd.DataFrame(index=units.index)
    access: dict[str, pd.DataFrame] = {}
    for key in indicators:
        indicator = INDICATORS[key]
        if indicator.measure:
            kind = indicator.service_type
            if kind not in access:
                level = str(units["level"].iloc[0]) if "level" in units.columns and len(units) else "municipality"
                access[kind] = unit_access(bundle, level=level, service_type=kind,  # the units' year (attrs), if any
                                           year=units.attrs.get("year")).reindex(units.index)
            out[key] = access[kind][indicator.measure].astype(float)
        else:
            out[key] = indicator_values(units, key)
    estimated = units["age_estimated"].astype(bool) if "age_estimated" in units.columns else pd.Series(False, index=units.index)
    out["age_estimated"] = estimated & any(uses_age_bands(k) for k in indicators)
    return out


def standardise(values: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """z-scores of each column (``TYPOLOGY_LOG_INDICATORS`` on log10(1 + x) first); missing values get the column
    median before scaling; constant columns give 0. Returns the z table and notes on what was filled."""
    notes, columns = [], {}
    for key in values.columns:
        v = values[key].astype(float).replace([np.inf, -np.inf], np.nan)
        if key in TYPOLOGY_LOG_INDICATORS:
            v = np.log10(1.0 + v.clip(lower=0))
        missing = int(v.isna().sum())
        if missing:
            notes.append(f"{key}: {missing} unit(s) without a value (e.g. no people aged 80+) got the median")
            v = v.fillna(v.median())
        sd = float(v.std(ddof=0))
        columns[key] = (v - v.mean()) / sd if sd > 0 else v * 0.0
        if not sd > 0:
            notes.append(f"{key}: the same value everywhere; it cannot separate types")
    return pd.DataFrame(columns, index=values.index), notes


def _fit(z: np.ndarray, k: int, method: str, seed: int, tree: np.ndarray | None = None) -> tuple[np.ndarray, bool]:
    """Labels 0..k-1 of one clustering and whether it converged; Ward cuts a precomputed ``tree`` when given."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if method == "kmeans":
            labels = KMeans(n_clusters=k, n_init=CLUSTER_N_INIT, random_state=seed).fit_predict(z)
        elif method == "gmm":
            labels = GaussianMixture(n_components=k, covariance_type="full", n_init=GMM_N_INIT, reg_covar=1e-4,
                                     random_state=seed).fit(z).predict(z)
        elif tree is not None:
            labels = cut_linkage(tree, k)
        else:
            labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(z)
    return labels, not any(issubclass(w.category, ConvergenceWarning) for w in caught)


def cut_linkage(tree: np.ndarray, k: int) -> np.ndarray:
    """Labels of the ``k`` clusters left after the first n - k merges of a scipy linkage ``tree`` (as ``cut_tree``,
    which is much slower)."""
    n = len(tree) + 1
    parent = np.arange(2 * n - 1)
    for step in range(n - k):
        a, b = int(tree[step, 0]), int(tree[step, 1])
        parent[a] = parent[b] = n + step
    root = parent.copy()
    for node in range(2 * n - 2, -1, -1):  # a merged node's id is larger than its children's: resolve top-down
        root[node] = root[parent[node]] if parent[node] != node else node
    return pd.factorize(root[:n])[0]


def silhouette(labels: np.ndarray, distances: np.ndarray) -> float:
    """Mean silhouette of ``labels`` from a square distance matrix (as scikit-learn's ``silhouette_score``: 0 for
    units alone in their cluster; NaN for fewer than 2 clusters), one matrix product per labelling."""
    codes, _ = pd.factorize(labels)
    k = int(codes.max()) + 1
    if k < 2:
        return float("nan")
    onehot = np.zeros((len(codes), k))
    onehot[np.arange(len(codes)), codes] = 1.0
    sums = distances @ onehot
    sizes = onehot.sum(axis=0)
    own = sizes[codes]
    a = sums[np.arange(len(codes)), codes] / np.maximum(own - 1, 1)
    means = sums / sizes
    means[np.arange(len(codes)), codes] = np.inf
    b = means.min(axis=1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(s.mean())


def _scorer(z: np.ndarray, seed: int):
    """Silhouette of a labelling of ``z``: exact from one distance matrix, or sampled above SILHOUETTE_MAX_UNITS."""
    if len(z) <= SILHOUETTE_MAX_UNITS:
        distances = squareform(pdist(z))
        return lambda labels: silhouette(labels, distances)

    def sampled(labels):
        if len(set(labels.tolist())) < 2:
            return float("nan")
        return float(silhouette_score(z, labels, sample_size=SILHOUETTE_MAX_UNITS, random_state=seed))
    return sampled


def _renumber(labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Types numbered 1..k by decreasing number of units (ties: smallest unit id), independent of the solver's order."""
    frame = pd.DataFrame({"label": labels, "id": ids.astype(str)})
    order = frame.groupby("label").agg(n=("id", "size"), first=("id", "min")).sort_values(["n", "first"], ascending=[False, True])
    mapping = {label: i + 1 for i, label in enumerate(order.index)}
    return np.array([mapping[v] for v in labels], dtype=np.int64)


@dataclass
class Typology:
    """A need typology: ``units`` (type per unit with raw and z values), ``profiles`` (one row per type plus the
    region ``0``), ``scores`` (mean silhouette per k tried) and what was chosen."""

    units: pd.DataFrame
    profiles: pd.DataFrame
    scores: pd.DataFrame
    k: int
    method: str
    seed: int
    indicators: tuple
    notes: list = field(default_factory=list)

    def descriptions(self, lang: str = "nl") -> pd.Series:
        """Plain-words description of each type in ``lang`` (nl, en, fr)."""
        z = self.profiles[[f"z_{k}" for k in self.indicators]].rename(columns=lambda c: c[2:])
        estimated = self.profiles["share_age_estimated"]
        return pd.Series({t: describe_profile(z.loc[t], lang, estimated=bool(estimated.loc[t] > 0),
                                              age_keys={k for k in self.indicators if uses_age_bands(k)})
                          for t in self.profiles.index if t != 0}, name=f"description_{lang}")

    def to_dict(self, lang: str = "nl") -> dict:
        """JSON-ready summary: units (unit_id, name, cluster), profiles with descriptions, silhouette scores."""
        units = self.units.reset_index()
        keep = [c for c in ("unit_id", "name", "cluster", "age_estimated") if c in units.columns]
        profiles = self.profiles.copy()
        profiles["description"] = self.descriptions(lang).reindex(profiles.index).fillna("")
        return {"method": self.method, "k": self.k, "seed": self.seed, "indicators": list(self.indicators),
                "silhouette": {int(k): _num(v) for k, v in self.scores["silhouette"].items()},
                "units": [{k: _num(v) for k, v in row.items()} for row in units[keep].to_dict(orient="records")],
                "profiles": [{k: _num(v) for k, v in row.items()} for row in profiles.reset_index().to_dict(orient="records")],
                "notes": list(self.notes)}


def _num(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else round(float(value), 6)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _check(units, k, method, k_range, report: Report) -> None:
    if method not in METHODS:
        report.problem(f"method {method!r}; expected one of {', '.join(METHODS)}")
    if not (k == "auto" or (isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 2)):
        report.problem(f"k is {k!r}; expected a whole number >= 2 or 'auto'")
    lo, hi = k_range
    if not (isinstance(lo, int) and isinstance(hi, int) and 2 <= lo <= hi):
        report.problem(f"k range {k_range!r}; expected two whole numbers 2 <= low <= high")
    if "pop_total" not in units.columns:
        report.problem("units have no pop_total column; join population first")


def need_typology(units: pd.DataFrame, *, bundle=None, indicators: tuple = TYPOLOGY_INDICATORS,
                  values: pd.DataFrame | None = None, k: int | str = "auto", method: str = "kmeans",
                  k_range: tuple[int, int] = TYPOLOGY_K_RANGE, seed: int = CLUSTER_SEED) -> Typology:
    """Cluster the populated ``units`` by their standardised need ``indicators`` into ``k`` types.

    ``values`` (raw indicator columns aligned to ``units``) skips :func:`need_indicators`. With ``k="auto"`` every k of
    ``k_range`` (inclusive, capped at units - 1) is fitted and the highest mean silhouette wins; the scores are kept.
    Units without inhabitants get no type (``cluster`` 0). Deterministic for a ``seed``.
    """
    report = Report("need typology")
    _check(units, k, method, k_range, report)
    report.raise_if_problems()
    if values is None:
        values = need_indicators(units, bundle=bundle, indicators=tuple(indicators))
    indicators = tuple(c for c in values.columns if c != "age_estimated")
    populated = units["pop_total"].astype(float).reindex(values.index).fillna(0) > 0
    notes = []
    if (~populated).any():
        notes.append(f"{int((~populated).sum())} unit(s) without inhabitants have no type (cluster 0)")
    z, filled = standardise(values.loc[populated, list(indicators)])
    notes += filled
    n = len(z)
    if n < 3:
        raise ValidationError("need typology", [f"{n} populated unit(s); at least 3 are needed to form types"])
    matrix = z.to_numpy(dtype=float)
    distinct = len(np.unique(matrix.round(9), axis=0))
    if k == "auto":
        tried = list(range(k_range[0], min(k_range[1], n - 1, distinct) + 1))
        if not tried:
            raise ValidationError("need typology", [f"k range {k_range} leaves nothing to try for {n} units "
                                                    f"({distinct} distinct profiles)"])
    else:
        if k > min(n - 1, distinct):
            raise ValidationError("need typology", [f"k = {k} types for {n} populated units with {distinct} distinct "
                                                    f"profiles; ask for at most {min(n - 1, distinct)}"])
        tried = [int(k)]
    rows, fits = [], {}
    with threadpool_limits(limits=CLUSTER_THREADS):
        score = _scorer(matrix, seed)
        tree = ward(matrix) if method == "ward" and len(tried) > 1 else None  # one tree, cut at every k
        for kk in tried:
            labels, converged = _fit(matrix, kk, method, seed, tree)
            fits[kk] = labels
            rows.append({"k": kk, "silhouette": score(labels), "converged": converged})
    scores = pd.DataFrame(rows).set_index("k")
    best = int(scores["silhouette"].fillna(-np.inf).idxmax()) if k == "auto" else int(k)
    if not bool(scores.loc[best, "converged"]):
        notes.append(f"{method} did not fully converge for k = {best}; try another seed or method")
    if k == "auto":
        notes.append(f"k = {best} chosen by the highest mean silhouette over k = {tried[0]}..{tried[-1]}")
    cluster = pd.Series(0, index=values.index, dtype=np.int64)
    cluster[populated.to_numpy()] = _renumber(fits[best], z.index.to_numpy())
    table = pd.DataFrame(index=values.index)
    if "name" in units.columns:
        table["name"] = units["name"].reindex(values.index)
    table["cluster"] = cluster
    table["pop_total"] = units["pop_total"].reindex(values.index).astype(float)
    table["age_estimated"] = values["age_estimated"].astype(bool) if "age_estimated" in values else False
    for key in indicators:
        table[key] = values[key]
    for key in indicators:
        table[f"z_{key}"] = z[key].reindex(values.index)
    table.index.name = "unit_id"
    if table["age_estimated"].any():
        notes.append(f"{int(table['age_estimated'].sum())} unit(s) rest on estimated age bands (sub-municipal units get "
                     "their municipality's age structure): their ageing indicators are estimates (column age_estimated)")
    return Typology(table, type_profiles(table, indicators), scores, best, method, seed, indicators, notes)


def type_profiles(table: pd.DataFrame, indicators: tuple) -> pd.DataFrame:
    """One row per type (plus ``0`` = the region of all populated units): n_units, pop_total, share_age_estimated,
    mean of each indicator (unit mean) and its z-score against the region (mean of the members' z values)."""
    typed = table[table["cluster"] > 0]
    grouped = typed.groupby("cluster")
    frame = pd.DataFrame({"n_units": grouped.size(), "pop_total": grouped["pop_total"].sum(),
                          "share_age_estimated": grouped["age_estimated"].mean()})
    for key in indicators:
        frame[key] = grouped[key].mean()
    for key in indicators:
        frame[f"z_{key}"] = grouped[f"z_{key}"].mean()
    region = {"n_units": len(typed), "pop_total": typed["pop_total"].sum(), "share_age_estimated": typed["age_estimated"].mean()}
    region.update({key: typed[key].mean() for key in indicators})
    region.update({f"z_{key}": 0.0 for key in indicators})
    frame = pd.concat([pd.DataFrame([region], index=[0]), frame])
    frame.index.name = "cluster"
    frame["n_units"] = frame["n_units"].astype(np.int64)
    return frame


def zone_type_mix(typology: Typology, plan, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of each zone's population living in units of each type (columns ``type_1`` …) plus ``dominant_type``.

    Units are matched to the plan by their id, or (for neighbourhoods against a municipality plan) by
    ``municipality_id`` of ``units``.
    """
    table = typology.units
    assignment = plan.assignment[~plan.assignment.index.duplicated()]
    zone = assignment.reindex(table.index)
    if zone.isna().any() and units is not None and "municipality_id" in units.columns:
        via = pd.Series(assignment.reindex(units["municipality_id"].reindex(table.index)).to_numpy(), index=table.index)
        zone = zone.fillna(via)
    if zone.isna().all():
        raise ValidationError("zone type mix", [f"no unit of the typology is in plan {plan.name!r}; the plan is at level "
                                                f"{plan.level!r}: use a typology of that level (or of neighbourhoods)"])
    ok = zone.notna() & (table["cluster"] > 0)
    pop = table.loc[ok, "pop_total"]
    mix = pop.groupby([zone[ok], table.loc[ok, "cluster"]]).sum().unstack(fill_value=0.0)
    mix = mix.reindex(columns=range(1, typology.k + 1), fill_value=0.0)
    shares = mix.div(mix.sum(axis=1).replace(0, np.nan), axis=0)
    shares.columns = [f"type_{c}" for c in shares.columns]
    shares["dominant_type"] = mix.idxmax(axis=1).astype(np.int64)
    shares.insert(0, "zone_name", [plan.zone_name(z) for z in shares.index])
    shares.index = pd.Index(shares.index.astype(object), name="zone_id")
    return shares

