"""Clustering of areas by need vs plain scikit-learn / esda scripts, one run.

Same inputs for both sides:

1. Need typology of the 2,730 neighbourhoods (8 default indicators, k auto over 2-12 by silhouette): zorgzones
   need_typology (k-means, GMM, Ward) vs a plain scikit-learn loop (KMeans + silhouette_score, default threads) on
   the same standardised matrix, also run on one thread; agreement = adjusted Rand index of the k-means labellings.
2. Hot spots of share 80+ over the 2,730 neighbourhoods, 999 permutations: zorgzones hot_spots (weights from the
   plan adjacency, Voeren linked) vs a plain esda script (libpysal Rook.from_dataframe, G_Local star + Moran_Local,
   esda defaults); agreement = share of units with the same Gi* label.
3. Zone proposals on the same cases: clustering-based zones (cluster_zones) vs the existing generator
   (regionalize.generate_plans): zones in band, mean Polsby-Popper, mean within-zone variance of the standardised
   need indicators (1 = no better than the region, lower = more homogeneous zones), seconds.

Target: typology and hot spots under 5 s each. Without ``--data-dir`` the real bundle is built first from the mirror.
Usage: PYTHONPATH=. python benchmarks/bench_cluster.py [--data-dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from zorgzones.region import load_bundle  # noqa: E402
from zorgzones.cluster_zones import cluster_zones, score_plan  # noqa: E402
from zorgzones.hotspots import hot_spots  # noqa: E402
from zorgzones.regionalize import generate_plans  # noqa: E402
from zorgzones.typology import need_indicators, need_typology, standardise  # noqa: E402

SHARED = Path(os.environ.get("ZORGZONES_SHARED_GEODATA", REPO.parent / "shared" / "geodata"))
LIMIT_S = 5.0
ZONE_CASES = (
    ("Brussels neighbourhoods, 200k-300k", "neighbourhood", "brussels", 200_000, 300_000),
    ("Flanders + Brussels municipalities, 200k-300k", "municipality", None, 200_000, 300_000),
    ("Flemish municipalities, 75k-125k (2018 design band)", "municipality", "flanders", 75_000, 125_000),
)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def plain_sklearn(matrix: np.ndarray, k_range=(2, 12), seed: int = 0):
    """What one writes without zorgzones: KMeans + silhouette_score per k, best silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    best = None
    for k in range(k_range[0], k_range[1] + 1):
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(matrix)
        score = silhouette_score(matrix, labels)
        if best is None or score > best[0]:
            best = (score, k, labels)
    return best


def plain_esda(units, values: np.ndarray, seed: int = 0):
    """What one writes without zorgzones: libpysal rook weights from the polygons, esda Gi* and local Moran."""
    import esda
    from libpysal.weights import Rook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = Rook.from_dataframe(units, use_index=True)
        gi = esda.G_Local(values, w, transform="R", permutations=999, star=True, seed=seed)
        lisa = esda.Moran_Local(values, w, permutations=999, seed=seed)
    label = np.where(gi.p_sim <= 0.05, np.where(gi.Zs > 0, "hot", "cold"), "ns")
    return label, lisa, w


def bench_typology(bundle) -> list[dict]:
    from sklearn.metrics import adjusted_rand_score

    units = bundle.units("neighbourhood")
    seconds_ind, values = timed(lambda: need_indicators(units, bundle=bundle))
    rows = [{"case": "indicators (unit_access pharmacy + hospital, once)", "seconds": round(seconds_ind, 3)}]
    results = {}
    for method in ("kmeans", "gmm", "ward"):
        seconds, result = timed(lambda: need_typology(units, values=values, method=method, seed=0))
        results[method] = result
        rows.append({"case": f"zorgzones need_typology {method}, k auto 2-12", "seconds": round(seconds, 3), "k": result.k,
                     "best_silhouette": round(float(result.scores['silhouette'].max()), 4)})
    seconds, result = timed(lambda: need_typology(units, bundle=bundle, method="kmeans", seed=0))
    rows.append({"case": "zorgzones need_typology kmeans, end to end (indicators included)", "seconds": round(seconds, 3),
                 "k": result.k})
    populated = (units["pop_total"] > 0).to_numpy()
    z, _ = standardise(values.loc[populated].drop(columns="age_estimated"))
    seconds, (score, k, labels) = timed(lambda: plain_sklearn(z.to_numpy()))
    ours = results["kmeans"].units.loc[populated, "cluster"].to_numpy()
    rows.append({"case": "plain scikit-learn KMeans + silhouette_score, k 2-12", "seconds": round(seconds, 3), "k": k,
                 "best_silhouette": round(float(score), 4),
                 "adjusted_rand_vs_zorgzones_kmeans": round(float(adjusted_rand_score(labels, ours)), 4)})
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # the same plain loop without competing OpenMP/BLAS threads
        seconds, (score, k, labels) = timed(lambda: plain_sklearn(z.to_numpy()))
    rows.append({"case": "plain scikit-learn, same loop on one thread", "seconds": round(seconds, 3), "k": k,
                 "best_silhouette": round(float(score), 4),
                 "adjusted_rand_vs_zorgzones_kmeans": round(float(adjusted_rand_score(labels, ours)), 4)})
    return rows


def bench_hotspots(bundle) -> list[dict]:
    units = bundle.units("neighbourhood")
    seconds, result = timed(lambda: hot_spots(units, indicator="share_80plus", permutations=999, seed=0))
    counts = result.counts()
    rows = [{"case": "zorgzones hot_spots share 80+, 999 permutations (graph included)", "seconds": round(seconds, 3),
             "hot": counts["gi"]["hot"], "cold": counts["gi"]["cold"], "moran_i": round(result.moran_i, 4)}]
    populated = units[units["pop_total"] > 0]
    share = (populated["pop_80plus"] / populated["pop_total"]).to_numpy(dtype=float)
    seconds, (label, lisa, w) = timed(lambda: plain_esda(populated, share))
    same = float((result.units.loc[populated.index, "gi_label"].to_numpy() == label).mean())
    rows.append({"case": "plain esda: Rook.from_dataframe + G_Local* + Moran_Local, 999 permutations",
                 "seconds": round(seconds, 3), "hot": int((label == "hot").sum()), "cold": int((label == "cold").sum()),
                 "islands": len(w.islands), "same_gi_label_share": round(same, 4)})
    return rows


def bench_zones(bundle) -> list[dict]:
    rows = []
    for case, level, region, low, high in ZONE_CASES:
        units = bundle.units(level)
        if region:
            units = units[units["region"] == region]
        values = need_indicators(units, bundle=bundle)
        profiles, _ = standardise(values.drop(columns="age_estimated"))
        seconds, (plan, score) = timed(lambda: cluster_zones(units, profiles=profiles, min_population=low,
                                                             max_population=high, seed=0))
        rows.append(_zone_row(case, "zorgzones cluster_zones (Ward + band repair + compactness polish)", seconds, score,
                              len(units)))
        seconds, (plan, score) = timed(lambda: cluster_zones(units, profiles=profiles, min_population=low,
                                                             max_population=high, seed=0, polish_passes=0))
        rows.append(_zone_row(case, "zorgzones cluster_zones without polish", seconds, score, len(units)))
        seconds, results = timed(lambda: generate_plans(units, min_population=low, max_population=high, seed=0))
        plan = results[0][0]
        rows.append(_zone_row(case, "zorgzones generate_plans (plan generate)", seconds,
                              score_plan(units, plan, profiles), len(units)))
    return rows


def _zone_row(case, method, seconds, score, n_units) -> dict:
    return {"case": case, "method": method, "units": n_units, "seconds": round(seconds, 3), "zones": score["zones"],
            "in_band": score["zones_in_band"], "flagged_oversize": score["zones_flagged"],
            "out_of_band_without_oversize_unit": score["zones_out_of_band"], "non_contiguous": score["non_contiguous"],
            "mean_polsby_popper": score["mean_polsby_popper"], "within_zone_variance": score["within_zone_variance"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="data directory holding a real bundle (default: build one from the mirror)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            from zorgzones import fetch

            data_dir = Path(tmp) / "data"
            fetch.fetch_region(data_dir=data_dir, mirror=SHARED / "mirror", progress=False)
        bundle = load_bundle(data_dir, allow_demo=False)
        result = {"typology": bench_typology(bundle), "hotspots": bench_hotspots(bundle), "zones": bench_zones(bundle)}
    typology_s = next(r["seconds"] for r in result["typology"] if "end to end" in r["case"])
    hotspots_s = result["hotspots"][0]["seconds"]
    result["under_limit"] = {"typology_end_to_end": typology_s < LIMIT_S, "hotspots": hotspots_s < LIMIT_S, "limit_s": LIMIT_S}
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for part in ("typology", "hotspots"):
            print(pd.DataFrame(result[part]).to_string(index=False))
            print()
        print(pd.DataFrame(result["zones"]).drop(columns="units").to_string(index=False))
        print(f"\nunder {LIMIT_S:.0f} s: {result['under_limit']}")
    return 0 if all(v for k, v in result["under_limit"].items() if k != "limit_s") else 1


if __name__ == "__main__":
    sys.exit(main())
