"""Count how the CLI answers the hostile cases of tests/test_bad_input.py: clean, traceback, silent, lost, unclear.

Runs against whatever ``zorgzones`` is importable, so the same cases measure any checkout::

    .venv/bin/python benchmarks/bad_input_census.py                          # this worktree
    PYTHONPATH=/work/main .venv/bin/python benchmarks/bad_input_census.py    # main, for the "before" figures

The real bundle is built once from the shared mirror into a temporary data directory by the code under test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE.parent / "tests" / "test_bad_input.py"


def load_cases():
    spec = importlib.util.spec_from_file_location("bad_input_cases", CASES_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="a data dir with a bundle (default: build one)")
    parser.add_argument("--mirror", type=Path,
                        default=Path(os.environ.get("ZORGZONES_SHARED_GEODATA", HERE.parents[1] / "shared" / "geodata")) / "mirror")
    parser.add_argument("--json", action="store_true", help="print every case with its class")
    args = parser.parse_args(argv)

    import warnings

    warnings.simplefilter("ignore")
    import zorgzones
    from zorgzones import fetch

    cases = load_cases()
    with tempfile.TemporaryDirectory(prefix="bad-input-census-") as scratch:
        scratch = Path(scratch)
        data = args.data_dir or scratch / "data"
        if not (data / "bundle" / "manifest.json").is_file():
            fetch.fetch_region(data_dir=data, mirror=args.mirror, progress=False)
        results = {}
        for number, name in enumerate(sorted(cases.CASES)):
            tmp = scratch / f"case{number:03d}"
            tmp.mkdir()
            try:
                built, outcome = cases.run_case(name, tmp, data)
                results[name] = {"class": cases.classify(built, outcome), "code": outcome.code,
                                 "exception": outcome.exception, "problem": outcome.problem,
                                 "message": (outcome.err.strip().splitlines() or [""])[-1][:200]}
            except Exception as exc:  # noqa: BLE001 - a case that cannot even be built counts as a traceback
                results[name] = {"class": "traceback", "code": None, "exception": f"setup: {type(exc).__name__}: {exc}",
                                 "problem": None, "message": ""}
    counts = Counter(r["class"] for r in results.values())
    summary = {"zorgzones": str(Path(zorgzones.__file__).parent), "cases": len(results),
               **{k: counts.get(k, 0) for k in ("clean", "traceback", "silent", "lost", "unclear")}}
    if args.json:
        print(json.dumps({"summary": summary, "cases": results}, indent=1, default=str))
    else:
        for name, result in results.items():
            if result["class"] != "clean":
                print(f"{result['class']:<9} {name}: exit {result['code']} {result['exception'] or result['problem'] or result['message']}")
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
