"""Demand points (sectors or unit centroids) and their aggregation to units."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .bundle import Bundle
from .errors import DataError, Report
from .sectors import AGE_COLUMNS
from .settings import DEFAULT_DEMAND_MODEL, DEMAND_MODELS, LEVELS, WORKING_CRS
from .travel import demand_points as centroid_points

#: Year of the sector population in the bundle (Statbel 1 January 2022).
SECTOR_POPULATION_YEAR = 2022
#: Columns of every demand-point frame besides the age bands (index ``point_id``).
DEMAND_COLUMNS = ("pop_total", "unit_id", "inside_region", "region", "source", "point_method", "age_estimated", "pop_estimated")


def has_sector_demand(bundle: Bundle) -> bool:
    """True when the bundle holds the ``sector_points`` layer (real bundles from version 3 on; not the demo)."""
    try:
        bundle.layer("sector_points")
    except DataError:
        return False
    return True


def demand_points(bundle: Bundle, *, level: str, model: str | None = None, include_outside: bool | str = True,
                  year: int | None = None) -> gpd.GeoDataFrame:
    """Where people live, as points (EPSG:31370) indexed by ``point_id``.

    ``model`` None: ``settings.DEFAULT_DEMAND_MODEL`` ("sector") where the bundle has sector demand, else
    "centroid" (the demo). ``"sector"``: one point per statistical sector (population 2022, age bands estimated from
    the municipality's structure, ``age_estimated``); ``"centroid"``: one point per unit of ``level``
    (:func:`zorgzones.travel.demand_points`, the model before issue 12; ``point_id`` = ``unit_id``).
    Columns: ``pop_total``, the age bands, ``unit_id`` (the unit of ``level``; None outside the
    region), ``inside_region``, ``region``, ``source``, ``point_method``, ``age_estimated`` and
    ``pop_estimated`` (GHS-POP cells abroad are model estimates). ``include_outside`` appends the
    people within ``settings.BORDER_BUFFER_M`` outside the region (Walloon sectors, GHS-POP 1 km
    cells abroad), who share the services they reach (``"belgium"``: the Walloon sectors only, for services of
    Belgium only, so foreign people do not take Belgian capacity); ``model="centroid", include_outside=False``
    reproduces the analyses before issue 12. A bundle without sector demand (the demo) has no
    outside points, and ``model="sector"`` is refused there.
    """
    report = Report("demand points")
    sectors = has_sector_demand(bundle)
    if model is None:
        model = DEFAULT_DEMAND_MODEL if sectors else "centroid"
    if level not in LEVELS:
        report.problem(f"level is {level!r}; expected one of {', '.join(LEVELS)}")
    if model not in DEMAND_MODELS:
        report.problem(f"model is {model!r}; expected one of {', '.join(DEMAND_MODELS)}")
    if year is not None and year != SECTOR_POPULATION_YEAR:
        report.problem(f"year is {year!r}; the bundle holds sector population for {SECTOR_POPULATION_YEAR} only (pass year=None)")
    if include_outside not in (True, False, "belgium"):
        report.problem(f"include_outside is {include_outside!r}; expected True, False or 'belgium' (Walloon sectors, no people abroad)")
    report.raise_if_problems()
    if model == "sector" and not sectors:
        raise DataError("this bundle has no sector demand (the synthetic demo, or a bundle built before version 3); "
                        "use model='centroid' or rebuild it with `zorgzones data fetch`")
    layer = bundle.layer("sector_points") if sectors else None
    if model == "sector":
        inside = layer[layer["inside_region"]]
        points = gpd.GeoDataFrame(inside[["pop_total", *AGE_COLUMNS]].copy(), geometry=inside.geometry.to_numpy(), index=inside.index, crs=WORKING_CRS)
        points["unit_id"] = inside[f"{level}_id"].to_numpy()
        for column in ("inside_region", "region", "source", "point_method", "age_estimated", "pop_estimated"):
            points[column] = inside[column].to_numpy()
    else:
        units = bundle.units(level)
        base = centroid_points(units, weight_column="pop_total")
        points = gpd.GeoDataFrame(units[["pop_total", *AGE_COLUMNS]].astype(np.float64), geometry=base.geometry.to_numpy(), index=units.index.copy(), crs=WORKING_CRS)
        points["unit_id"] = units.index.to_numpy(dtype=object)
        points["inside_region"], points["region"], points["source"] = True, units["region"].to_numpy(), "unit"
        points["point_method"] = base["point_method"].to_numpy()
        points["age_estimated"], points["pop_estimated"] = units["age_estimated"].to_numpy(dtype=bool), False
    if include_outside and layer is not None:
        outside = layer[~layer["inside_region"]]
        if include_outside == "belgium":
            outside = outside[outside["region"] != "abroad"]
        extra = gpd.GeoDataFrame(outside[["pop_total", *AGE_COLUMNS]].astype(np.float64), geometry=outside.geometry.to_numpy(), index=outside.index, crs=WORKING_CRS)
        extra["unit_id"] = None
        for column in ("inside_region", "region", "source", "point_method", "age_estimated", "pop_estimated"):
            extra[column] = outside[column].to_numpy()
        points = pd.concat([points, extra])
    points = points.astype({c: np.float64 for c in ("pop_total", *AGE_COLUMNS)})
    points.index.name = "point_id"
    return points[[*DEMAND_COLUMNS[:1], *AGE_COLUMNS, *DEMAND_COLUMNS[1:], "geometry"]]


def _aligned(values: pd.Series, index: pd.Index) -> np.ndarray:
    """``values`` as floats in ``index`` order (NaN where missing), without a reindex when already aligned."""
    if values.index.equals(index):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return values.reindex(index).to_numpy(dtype=np.float64, na_value=np.nan)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, groups: np.ndarray, n_groups: int, quantiles) -> np.ndarray:
    """Per group, the smallest value whose cumulative weight share reaches each quantile (inverted CDF, no interpolation).

    ``values`` may hold ``inf`` (ranked last); rows with weight <= 0 are ignored; groups without
    weight get NaN. Result shape ``(n_groups, len(quantiles))``.
    """
    out = np.full((n_groups, len(quantiles)), np.nan)
    keep = weights > 0
    values, weights, groups = values[keep], weights[keep], groups[keep]
    if not len(values):
        return out
    order = np.lexsort((values, groups))
    g, v, w = groups[order], values[order], weights[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    cum = np.cumsum(w)
    before = np.repeat((cum - w)[starts], np.diff(np.r_[starts, len(g)]))
    total = np.repeat(cum[np.r_[starts[1:], len(g)] - 1] - (cum - w)[starts], np.diff(np.r_[starts, len(g)]))
    share = (cum - before) / total
    for k, q in enumerate(quantiles):
        hit = np.flatnonzero(share >= q * (1 - 1e-12))  # every group reaches share 1 at its last row
        first = hit[np.unique(g[hit], return_index=True)[1]]
        out[g[first], k] = v[first]
    return out


def aggregate_to_units(values: pd.DataFrame, points: pd.DataFrame, *, level: str | None = None, units: pd.Index | pd.DataFrame | None = None,
                       weights: str | pd.Series = "pop_total", max_minutes: float | None = None, by: pd.Series | None = None,
                       time_column: str = "nearest_cost", ratio_column: str = "supply_per_demand") -> pd.DataFrame:
    """Per unit, population-weighted figures of its demand points inside the region (outside points are left out).

    ``values`` (indexed by ``point_id``, a subset of ``points`` allowed) may hold ``time_column``
    (minutes to the nearest service; missing = none within the cost table's reach) and
    ``ratio_column`` (catchment supply per inhabitant). ``points`` come from :func:`demand_points`;
    the unit of a point is ``points[f"{level}_id"]`` when that column exists, else ``unit_id``, or
    the group of ``by`` (a Series indexed by ``point_id``, e.g. zone ids). ``weights`` is a
    column of ``points`` (e.g. ``pop_80plus``) or a Series by ``point_id``. Result, indexed like
    ``units`` (default: the units found, sorted): ``population``, ``n_points``; from the travel
    times ``travel_min_mean`` (over people within reach), ``travel_min_p50``, ``travel_min_p90``
    (NaN where the quantile falls beyond the reach) and, with ``max_minutes``, ``pop_beyond`` and
    ``share_beyond`` (people beyond ``max_minutes`` or without any service within reach); from the
    ratios ``supply_per_1000`` (population-weighted mean x 1,000).
    """
    report = Report("aggregation to units")
    if not isinstance(values, pd.DataFrame) or not isinstance(points, pd.DataFrame):
        report.problem("values and points must be DataFrames indexed by point_id")
        report.raise_if_problems()
    column = f"{level}_id" if level is not None and f"{level}_id" in points.columns else "unit_id"
    if by is None and column not in points.columns:
        report.problem(f"points lack column {column!r}; build them with zorgzones.demand.demand_points")
    if isinstance(weights, str) and weights not in points.columns:
        report.problem(f"weights column {weights!r} not in points; columns are {list(points.columns)}")
    unknown = 0 if values.index.equals(points.index) else int((points.index.get_indexer(values.index) < 0).sum())
    if unknown:
        report.problem(f"values has {unknown} point id(s) not in points")
    if max_minutes is not None and not (np.isfinite(max_minutes) and max_minutes >= 0):
        report.problem(f"max_minutes is {max_minutes!r}; expected a non-negative number of minutes")
    report.raise_if_problems()
    inside = points["inside_region"].to_numpy(dtype=bool) if "inside_region" in points.columns else np.ones(len(points), dtype=bool)
    group = (by.reindex(points.index) if by is not None else points[column]).to_numpy(dtype=object)
    w = (points[weights] if isinstance(weights, str) else weights.reindex(points.index).fillna(0.0)).to_numpy(dtype=np.float64)
    if units is None:
        index = pd.Index(sorted(pd.unique(group[inside & pd.notna(group)])), name="unit_id")
    else:
        index = units.index if isinstance(units, pd.DataFrame) else pd.Index(units)
    codes = index.get_indexer(pd.Index(group))
    keep = inside & (codes >= 0)
    codes, w = codes[keep], w[keep]
    n = len(index)
    result = pd.DataFrame(index=index)
    population = np.bincount(codes, weights=w, minlength=n)
    result["population"] = population
    result["n_points"] = np.bincount(codes, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        if time_column in values.columns:
            t = _aligned(values[time_column], points.index)[keep]
            reached = np.isfinite(t)
            within = np.bincount(codes[reached], weights=w[reached], minlength=n)
            result["travel_min_mean"] = np.bincount(codes[reached], weights=(w * t)[reached], minlength=n) / within
            quantiles = weighted_quantiles(np.where(reached, t, np.inf), w, codes, n, (0.5, 0.9))
            result["travel_min_p50"], result["travel_min_p90"] = np.where(np.isinf(quantiles), np.nan, quantiles).T
            if max_minutes is not None:
                beyond = ~(t <= max_minutes)
                result["pop_beyond"] = np.bincount(codes, weights=w * beyond, minlength=n)
                result["share_beyond"] = result["pop_beyond"] / population
        if ratio_column in values.columns:
            r = _aligned(values[ratio_column], points.index)[keep]
            weighted = np.where(w > 0, w * r, 0.0)
            result["supply_per_1000"] = 1000.0 * np.bincount(codes, weights=weighted, minlength=n) / population
    return result
