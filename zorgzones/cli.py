"""Command-line entry point: the ``zorgzones`` parser and error printing."""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .errors import ValidationError, ZorgzonesError

#: One module per command family; each has ``register(subparsers)``.
COMMAND_MODULES = ("cli_data", "cli_access", "cli_coverage", "cli_plan", "cli_export", "cli_population", "cli_cluster")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zorgzones",
        description="Zonal care-area planning for Flanders and Brussels: data, accessibility, gaps, zone plans and exports.",
    )
    parser.add_argument("--version", action="version", version=f"zorgzones {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f".{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except ValidationError as exc:
        print(f"zorgzones: invalid input - {exc}", file=sys.stderr)
        return 2
    except (ZorgzonesError, OSError) as exc:
        print(f"zorgzones: error - {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zorgzones: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
