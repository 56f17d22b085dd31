"""Population by year: bundle load time with and without the year layers, and the cost of switching years.

Usage: python benchmarks/bench_population.py [--data-dir DIR | --mirror ../shared/geodata/mirror] [--repeat 3] [--json]

Without --data-dir a bundle is built from the mirror in a temporary directory first (about two minutes).
Each load is timed in a fresh interpreter (imports included), as a user's session would load the bundle.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MIRROR = Path(os.environ.get("ZORGZONES_SHARED_GEODATA", REPO.parent / "shared" / "geodata")) / "mirror"

LOAD = """
import time
t = time.perf_counter()
from zorgzones.region import load_bundle
b = load_bundle({data_dir!r}, allow_demo=False)
for level in ("municipality", "deelgemeente", "neighbourhood"):
    b.units(level)
b.services(); b.plan_assignment("elz"); b.population_age
if {with_years}:
    for name in ("population_years", "population_projection", "sector_population"):
        b.layer(name)
print(time.perf_counter() - t)
"""

SWITCH = """
import json, time
from zorgzones.region import load_bundle
from zorgzones.population import population_series, units_for_year
from zorgzones.zones import Plan
b = load_bundle({data_dir!r}, allow_demo=False)
out = {{}}
for level in ("municipality", "deelgemeente", "neighbourhood"):
    b.units(level)
    t = time.perf_counter(); units_for_year(b, level, 2015); out[level + "_first_s"] = time.perf_counter() - t
    times = []
    for year in (2030, 2040, 2022, 2015, 2018, 2050):
        t = time.perf_counter(); units_for_year(b, level, year); times.append(time.perf_counter() - t)
    out[level + "_switch_mean_s"] = sum(times) / len(times); out[level + "_switch_max_s"] = max(times)
plan = Plan.from_bundle(b, "elz")
t = time.perf_counter(); s = population_series(b, plan=plan); out["series_elz_all_years_s"] = time.perf_counter() - t
out["series_rows"] = len(s)
print(json.dumps(out))
"""


def _run(code: str) -> str:
    return subprocess.check_output([sys.executable, "-c", code], text=True, cwd=REPO).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="a data directory with a built bundle")
    parser.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir
        build_s = None
        if data_dir is None:
            from zorgzones.fetch import fetch_region

            t = time.perf_counter()
            fetch_region(tmp, mirror=args.mirror, progress=False)
            build_s = round(time.perf_counter() - t, 1)
            data_dir = Path(tmp)
        bundle_dir = data_dir / "bundle"
        sizes = {name: (bundle_dir / f"{name}.parquet").stat().st_size
                 for name in ("population_years", "population_projection", "sector_population")}
        without, with_years = [], []
        for _ in range(args.repeat):  # interleaved, so machine load hits both alike
            without.append(float(_run(LOAD.format(data_dir=str(data_dir), with_years=False))))
            with_years.append(float(_run(LOAD.format(data_dir=str(data_dir), with_years=True))))
        switch = json.loads(_run(SWITCH.format(data_dir=str(data_dir))))
    result = {
        "fetch_and_build_s": build_s,
        "load_without_year_layers_s_median": round(statistics.median(without), 3),
        "load_with_year_layers_s_median": round(statistics.median(with_years), 3),
        "load_runs_without": [round(v, 3) for v in without],
        "load_runs_with": [round(v, 3) for v in with_years],
        "year_layer_bytes": sizes,
    } | {k: (round(v, 4) if isinstance(v, float) else v) for k, v in switch.items()}
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for key, value in result.items():
            print(f"{key:<40} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
