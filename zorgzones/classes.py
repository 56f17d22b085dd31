"""Classes of map values (Fisher-Jenks and others), colours and labels.

Classes of map values: exact Fisher-Jenks breaks by jenkspy (C; mapclassify's version is pure Python without
numba: 40 s for 2,730 values), the other schemes via mapclassify, class colours and legend labels.
"""

from __future__ import annotations

import warnings

import jenkspy
import numpy as np
import pandas as pd
from matplotlib import colormaps

from zorgzones.errors import ValidationError
from zorgzones.indicators import Indicator, format_number

SCHEMES = {"fisher_jenks": "FisherJenks", "quantiles": "Quantiles", "equal_interval": "EqualInterval",
           "natural_breaks": "NaturalBreaks", "headtail_breaks": "HeadTailBreaks"}

#: Above this many values the breaks are computed on this many evenly spaced order statistics (a deterministic sample
#: of the sorted values: no random numbers, so a map always gets the same classes; exact Fisher-Jenks is O(k n²)).
MAX_EXACT_VALUES = 3_000


def fisher_jenks_bins(values, k: int, *, max_values: int = MAX_EXACT_VALUES) -> np.ndarray:
    """Upper bounds of the ``k`` classes that minimise the total within-class sum of squared deviations (Fisher 1958,
    the optimum mapclassify's ``FisherJenks`` finds), by jenkspy's C implementation. ``values`` must be finite; ``k`` is
    capped at the number of distinct values. The last bound is the maximum. Deterministic."""
    y = np.sort(np.asarray(values, dtype=float).ravel())
    if y.size == 0:
        return np.array([])
    if not np.isfinite(y).all():
        raise ValueError("fisher_jenks_bins: values must be finite (drop NaN/inf first)")
    k = int(max(1, min(k, np.unique(y).size)))
    if k == 1:
        return y[-1:].copy()
    x = y if y.size <= max_values else y[np.linspace(0, y.size - 1, max_values).round().astype(int)]
    k = min(k, np.unique(x).size)
    breaks = jenkspy.jenks_breaks(x, n_classes=k) if k > 1 else [x[0], x[-1]]
    return np.unique(np.append(np.asarray(breaks[1:-1], dtype=float), y[-1]))


def classify(values: pd.Series, *, scheme: str = "fisher_jenks", k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Class upper bounds and the class of each value (``-1`` for missing) by a mapclassify scheme.

    ``k`` shrinks to the number of distinct values. Fisher-Jenks is computed exactly by :func:`fisher_jenks_bins` (same
    breaks as mapclassify's, ~0.02 s for 3,000 values; above that on evenly spaced order statistics), so it is
    deterministic at every level.
    """
    if scheme not in SCHEMES:
        raise ValidationError("classification", [f"scheme {scheme!r} is unknown; expected one of {', '.join(SCHEMES)}"])
    y = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(y)
    classes = np.full(len(y), -1, dtype=int)
    distinct = np.unique(y[ok])
    if distinct.size == 0:
        return np.array([]), classes
    if distinct.size == 1:
        classes[ok] = 0
        return distinct.copy(), classes
    k = int(max(1, min(k, distinct.size)))
    if scheme == "natural_breaks" and ok.sum() > 3_000:
        scheme = "quantiles"  # mapclassify's k-means breaks are slow on many values
    if scheme == "fisher_jenks":
        bins = fisher_jenks_bins(y[ok], k)
        classes[ok] = np.searchsorted(bins, y[ok], side="left").clip(0, len(bins) - 1)
        return bins, classes
    import mapclassify  # here, not at the top: it imports scikit-learn (~2 s), which Fisher-Jenks maps never need

    cls = getattr(mapclassify, SCHEMES[scheme])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        warnings.filterwarnings("ignore", message="Not enough unique values", category=UserWarning)
        classifier = cls(y[ok]) if scheme == "headtail_breaks" else cls(y[ok], k=k)
    bins = np.asarray(classifier.bins, dtype=float)
    bins = np.unique(bins)
    classes[ok] = np.searchsorted(bins, y[ok], side="left").clip(0, len(bins) - 1)
    return bins, classes


def class_colours(n: int, cmap: str) -> list:
    """``n`` colours of a sequential colormap, light to dark (avoiding its palest end)."""
    colormap = colormaps[cmap]
    if n <= 1:
        return [colormap(0.6)]
    return [colormap(x) for x in np.linspace(0.15, 0.92, n)]


def class_labels(bins: np.ndarray, low: float, indicator: Indicator, lang: str = "nl") -> list[str]:
    """Legend labels ``a - b`` of the classes in shown units (shares in %)."""
    edges = [low, *bins.tolist()]
    decimals = indicator.decimals
    return [f"{format_number(edges[i], decimals, lang)} - {format_number(edges[i + 1], decimals, lang)}" for i in range(len(bins))]
