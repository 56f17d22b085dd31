"""Arguments and output helpers shared by the ``cli_*`` command modules."""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .errors import ValidationError
from .settings import DPI_RANGE, MAX_POPULATION, MAX_TRAVEL_MIN


@dataclass(frozen=True)
class Handler:
    """A command's function named ``module:function`` of this package, imported only when the command runs (so the
    parser, ``--help`` and the option checks load no analysis code); ``check`` runs first when given."""

    target: str
    check: str | None = None

    def __call__(self, args):
        if self.check is not None:
            _function(self.check)(args)
        return _function(self.target)(args)


def _function(target: str):
    module, name = target.split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def add_data_dir(parser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="data directory (cache + bundle); default $ZORGZONES_DATA_DIR or the platform user data dir")
    parser.add_argument("--demo", action="store_true",
                        help="use the synthetic demo region when the data directory holds no bundle (else that is an error)")


def add_json(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def plan_argument(parser) -> None:
    parser.add_argument("--plan", default=None,
                        help="zone plan for per-zone figures: a plan of the bundle (e.g. elz) or a plan file (.csv/.xlsx/.gpkg)")


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=1, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def progress_enabled(args) -> bool:
    """Progress bars go to stderr, only for a person at a terminal and not with ``--quiet``."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


@contextlib.contextmanager
def progress_bar(args, *, total: int, desc: str):
    """A tqdm bar on stderr (see :func:`progress_enabled`) as a callback ``step(name)`` for the analysis layer."""
    bar = tqdm(total=total, disable=not progress_enabled(args), desc=desc, unit="step")

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update()

    try:
        yield step
    finally:
        bar.close()


def check_out(report, out: Path | None, suffixes: tuple[str, ...]) -> None:
    """Add to ``report`` a problem unless ``out`` is None or has one of ``suffixes``."""
    if out is not None and out.suffix.lower() not in suffixes:
        report.problem(f"--out {out} has suffix {out.suffix!r}; expected one of {', '.join(suffixes)}")


def collect(report, make, *args, **kwargs):
    """``make(*args, **kwargs)``, or None with its problems added to ``report`` when it raises a ValidationError, so a
    command lists every problem of its input at once."""
    try:
        return make(*args, **kwargs)
    except ValidationError as exc:
        report.problems.extend(exc.problems)
        return None


# -- option values checked before any work starts ------------------------------------------------------------
@dataclass(frozen=True)
class Invalid:
    """An option value that failed its check; ``main`` collects every one and reports them together."""

    text: str
    message: str


def _bounded(kind: type, name: str, low: float | None, high: float | None, *, low_open: bool = False):
    what = "a whole number" if kind is int else "a number"
    def fmt(v):
        return str(int(v)) if float(v).is_integer() else f"{v:g}"

    bound = (f"> {fmt(low)}" if low_open else f">= {fmt(low)}") if low is not None else ""
    if high is not None:
        bound += (" and " if bound else "") + f"<= {fmt(high)}"

    def parse(text: str):
        try:
            value = kind(text)
        except (TypeError, ValueError):
            return Invalid(text, f"must be {what}{' ' + bound if bound else ''}, got {text!r}")
        if kind is float and not math.isfinite(value):
            return Invalid(text, f"must be a finite number{' ' + bound if bound else ''}, got {text!r}")
        if low is not None and (value < low or (low_open and value == low)) or high is not None and value > high:
            return Invalid(text, f"must be {what} {bound}, got {text!r}")
        return value

    parse.__name__ = name
    return parse


def int_in(low: int | None = None, high: int | None = None, *, name: str = "int_in"):
    """An argparse ``type=`` for whole numbers in ``[low, high]``."""
    return _bounded(int, name, low, high)


def float_in(low: float | None = None, high: float | None = None, *, low_open: bool = False, name: str = "float_in"):
    """An argparse ``type=`` for finite numbers in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    return _bounded(float, name, low, high, low_open=low_open)


#: Shared option types (a value out of range is reported with the option name, all at once).
positive_int = int_in(1, name="positive_int")
non_negative_int = int_in(0, name="non_negative_int")
positive_float = float_in(0, low_open=True, name="positive_float")
non_negative_float = float_in(0, name="non_negative_float")
seed = int_in(0, 2**32 - 1, name="seed")
dpi = int_in(*DPI_RANGE, name="dpi")
minutes = float_in(0, MAX_TRAVEL_MIN, low_open=True, name="minutes")
population = float_in(0, MAX_POPULATION, name="population")


def option_problems(args) -> list[str]:
    """Every option whose value failed its ``type=`` check, as ``--option: message``."""
    problems = []
    for dest, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, Invalid):
                problems.append(f"--{dest.replace('_', '-')} {item.message}")
    return problems


# A command may add ``set_defaults(option_problems=f)`` where ``f(args) -> list[str]`` finds problems *between* options
# (a band whose minimum is above its maximum, an output suffix); ``cli.main`` lists them together with the range
# problems above, before the command runs.
def raise_option_problems(args, extra: list[str] = ()) -> None:
    """Raise one ValidationError listing every bad option (``extra`` adds cross-option problems)."""
    problems = option_problems(args) + list(extra)
    if problems:
        raise ValidationError("options", problems)
