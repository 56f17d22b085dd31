"""Map classes: Fisher-Jenks breaks by hand, against a brute-force oracle and mapclassify, and fast + deterministic on the real neighbourhoods."""

from __future__ import annotations

import itertools
import time
import warnings

import mapclassify
import numpy as np
import pandas as pd
import pytest

from zorgzones import printmap as pm
from zorgzones.indicators import shown_values
from zorgzones.classes import fisher_jenks_bins


def within_ss(values: np.ndarray, bins: np.ndarray) -> float:
    classes = np.searchsorted(bins, values, side="left")
    return float(sum(((values[classes == c] - values[classes == c].mean()) ** 2).sum() for c in np.unique(classes)))


def brute_force_bins(values: np.ndarray, k: int) -> np.ndarray:
    """Every way to cut the sorted values into k runs; the one with the least within-class sum of squares."""
    y = np.sort(values)
    best, best_bins = np.inf, None
    for cuts in itertools.combinations(range(1, len(y)), k - 1):
        bins = np.append(y[[c - 1 for c in cuts]], y[-1])
        score = within_ss(y, bins)
        if score < best - 1e-12:
            best, best_bins = score, bins
    return best_bins


def test_two_obvious_groups_by_hand():
    assert fisher_jenks_bins([1.0, 2.0, 3.0, 10.0, 11.0, 12.0], 2).tolist() == [3.0, 12.0]
    assert fisher_jenks_bins([5.0, 1.0, 9.0], 7).tolist() == [1.0, 5.0, 9.0]  # k capped at 3 distinct values
    assert fisher_jenks_bins([4.0, 4.0], 3).tolist() == [4.0]
    assert fisher_jenks_bins([], 3).size == 0
    with pytest.raises(ValueError, match="finite"):
        fisher_jenks_bins([1.0, np.nan], 2)


@pytest.mark.parametrize("seed", range(4))
def test_optimal_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    values = rng.gamma(2.0, 3.0, 11)
    for k in (2, 3, 4):
        ours = fisher_jenks_bins(values, k)
        assert within_ss(values, ours) == pytest.approx(within_ss(values, brute_force_bins(values, k)), rel=1e-9)


def test_same_breaks_as_mapclassify():
    rng = np.random.default_rng(3)
    values = np.r_[rng.lognormal(size=150), rng.integers(0, 9, 50).astype(float)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = mapclassify.FisherJenks(values, k=5).bins
    assert fisher_jenks_bins(values, 5) == pytest.approx(reference)


def test_many_values_use_order_statistics_and_stay_close_to_exact():
    rng = np.random.default_rng(5)
    values = rng.lognormal(size=3_500)
    sampled = fisher_jenks_bins(values, 5, max_values=1_500)
    exact = fisher_jenks_bins(values, 5, max_values=4_000)
    assert sampled[-1] == values.max() and len(sampled) == 5
    assert within_ss(values, sampled) <= within_ss(values, exact) * 1.02
    assert fisher_jenks_bins(values, 5, max_values=1_500).tolist() == sampled.tolist()


@pytest.mark.slow
def test_neighbourhood_classification_is_fast_deterministic_and_has_k_classes(bundle):
    units = bundle.units("neighbourhood")
    for indicator in ("share_65plus", "pop_total"):
        values = shown_values(units, indicator)
        start = time.perf_counter()
        bins, classes = pm.classify(values, scheme="fisher_jenks", k=5)
        assert time.perf_counter() - start < 3.0  # mapclassify alone took ~40 s here
        again, classes_again = pm.classify(values, scheme="fisher_jenks", k=5)
        assert len(bins) == 5 and bins.tolist() == again.tolist() and classes.tolist() == classes_again.tolist()
        ok = values.notna().to_numpy()
        assert set(classes[ok]) == set(range(5)) and (classes[~ok] == -1).all()
        assert bins[-1] == pytest.approx(values.max())
        assert pd.Series(classes[ok]).value_counts().min() >= 1
