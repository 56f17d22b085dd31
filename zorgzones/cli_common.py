"""Arguments and output helpers shared by the ``cli_*`` command modules."""

from __future__ import annotations

import contextlib
import math
import json
import sys
from pathlib import Path


def add_data_dir(parser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="data directory (cache + bundle); default $ZORGZONES_DATA_DIR or the platform user data dir")


def add_json(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def plan_argument(parser) -> None:
    parser.add_argument("--plan", default=None,
                        help="zone plan for per-zone figures: a plan of the bundle (e.g. elz) or a plan file (.csv/.xlsx/.gpkg)")


def resolve_plan(bundle, source: str | None):
    """The ``--plan`` of a command (None when not given); see :func:`zorgzones.zones.load_plan`."""
    if source is None:
        return None
    from .zones import load_plan

    return load_plan(bundle, source)


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=1, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def progress_enabled(args) -> bool:
    """Progress bars go to stderr, only for a person at a terminal and not with ``--quiet``."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


@contextlib.contextmanager
def progress_bar(args, *, total: int, desc: str):
    """A tqdm bar on stderr (see :func:`progress_enabled`) as a callback ``step(name)`` for the analysis layer."""
    from tqdm import tqdm

    bar = tqdm(total=total, disable=not progress_enabled(args), desc=desc, unit="step")

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update()

    try:
        yield step
    finally:
        bar.close()


def check_positive(report, option: str, value, *, integer: bool = False) -> None:
    """Add to ``report`` a problem naming ``option`` unless ``value`` is None or a positive finite number."""
    if value is None:
        return
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if not (ok and math.isfinite(value) and value > 0):
        report.problem(f"{option} is {value}; expected a positive {'whole number' if integer else 'number'}")


def check_out(report, out: Path | None, suffixes: tuple[str, ...]) -> None:
    """Add to ``report`` a problem unless ``out`` is None or has one of ``suffixes``."""
    if out is not None and out.suffix.lower() not in suffixes:
        report.problem(f"--out {out} has suffix {out.suffix!r}; expected one of {', '.join(suffixes)}")


def collect(report, make, *args, **kwargs):
    """``make(*args, **kwargs)``, or None with its problems added to ``report`` when it raises a ValidationError, so a
    command lists every problem of its input at once."""
    from .errors import ValidationError

    try:
        return make(*args, **kwargs)
    except ValidationError as exc:
        report.problems.extend(exc.problems)
        return None
