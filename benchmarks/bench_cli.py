"""Benchmark: whole-process time of each CLI command, this checkout against another one, and ``--help`` against
``python -c "import pandas"`` (the issue's bar: the CLI's help must not cost more than importing pandas).

Each command runs as a fresh process (``python -m zorgzones.cli ...``), ``--repeat`` times after one warm-up, with
``PYTHONPATH`` set to the checkout, on a real bundle built by that checkout (its own data dir: bundle versions differ).
The median wall time is reported, and the ratio other/this per command.

    python benchmarks/bench_cli.py --data-dir D [--other-checkout DIR --other-data-dir D2] [--repeat 5] [--json]

Build the data dirs first: ``PYTHONPATH=CHECKOUT python -m zorgzones.cli data fetch --mirror ../shared/geodata/mirror
--data-dir D``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: (label, arguments after ``zorgzones``); ``{data}`` is the checkout's data dir.
COMMANDS = (
    ("--help", ["--help"]),
    ("--version", ["--version"]),
    ("data info", ["data", "info", "--data-dir", "{data}"]),
    ("access (neighbourhoods, e2sfca)", ["access", "--data-dir", "{data}", "--method", "e2sfca", "--json", "--quiet"]),
    ("gaps (neighbourhoods, plan elz)", ["gaps", "--data-dir", "{data}", "--plan", "elz", "--json", "--quiet"]),
    ("site (p=3, exact)", ["site", "--data-dir", "{data}", "--p", "3", "--json", "--quiet"]),
    ("plan validate elz", ["plan", "validate", "elz", "--data-dir", "{data}", "--json"]),
    ("plan metrics elz", ["plan", "metrics", "elz", "--data-dir", "{data}", "--json"]),
)


def run_once(checkout: Path, argv: list[str]) -> float:
    return _timed([sys.executable, "-m", "zorgzones.cli", *argv], env=dict(os.environ, PYTHONPATH=str(checkout)), cwd=checkout)


def median_time(function, repeat: int) -> float:
    function()  # warm-up: file caches, byte-code
    return statistics.median(function() for _ in range(repeat))


def measure(checkout: Path, data_dir: Path, repeat: int) -> dict[str, float]:
    out = {}
    for label, argv in COMMANDS:
        argv = [a.replace("{data}", str(data_dir)) for a in argv]
        out[label] = median_time(lambda argv=argv: run_once(checkout, argv), repeat)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="data dir with a bundle built by this checkout")
    parser.add_argument("--other-checkout", type=Path, default=None, help="a second checkout (e.g. a git worktree of an older commit)")
    parser.add_argument("--other-data-dir", type=Path, default=None, help="data dir with a bundle built by the other checkout")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pandas_s = median_time(lambda: _timed([sys.executable, "-c", "import pandas"]), args.repeat)
    this = measure(REPO, args.data_dir, args.repeat)
    other = measure(args.other_checkout, args.other_data_dir or args.data_dir, args.repeat) if args.other_checkout else None
    rows = [{"command": label, "this_s": this[label], **({"other_s": other[label], "other_over_this": other[label] / this[label]}
                                                         if other else {})} for label, _ in COMMANDS]
    result = {"import_pandas_s": pandas_s, "help_over_import_pandas": this["--help"] / pandas_s, "rows": rows}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"python -c 'import pandas': {pandas_s:.3f} s; zorgzones --help: {this['--help']:.3f} s "
          f"({result['help_over_import_pandas']:.2f}x)")
    print(f"{'command':<34} {'this s':>8}" + (f" {'other s':>8} {'other/this':>10}" if other else ""))
    for row in rows:
        line = f"{row['command']:<34} {row['this_s']:>8.2f}"
        if other:
            line += f" {row['other_s']:>8.2f} {row['other_over_this']:>10.2f}"
        print(line)


def _timed(argv: list[str], *, env: dict | None = None, cwd: Path | None = None) -> float:
    """Wall seconds of one process (output discarded)."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
