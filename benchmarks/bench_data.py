"""Data layer timings: first fetch from the mirror, a second (no-op) fetch, and loading the bundle.

Usage: python benchmarks/bench_data.py [--mirror ../shared/geodata/mirror] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
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
print(time.perf_counter() - t)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from zorgzones.fetch import fetch_region

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        first = fetch_region(tmp, mirror=args.mirror, progress=False)
        first_s = time.perf_counter() - t
        t = time.perf_counter()
        second = fetch_region(tmp, mirror=args.mirror, progress=False)
        second_s = time.perf_counter() - t
        # a fresh interpreter, as a user's session would load it (imports included)
        load_s = float(subprocess.check_output([sys.executable, "-c", LOAD.format(data_dir=tmp)], text=True))
    result = {
        "first_fetch_s": round(first_s, 2), "first_fetch_files": len(first.fetched),
        "second_fetch_s": round(second_s, 2), "second_fetch_files": len(second.fetched),
        "second_fetch_rebuilt": second.bundle_built,
        "load_all_layers_s_incl_imports": round(load_s, 2),
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for key, value in result.items():
            print(f"{key:<36} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
