"""Command-line entry point: the ``zorgzones`` parser and error printing."""

from __future__ import annotations

import os
import signal
import sys
import threading

from .cli_common import raise_option_problems
from .cli_parser import build_parser
from .errors import ValidationError, ZorgzonesError
from .settings import BUNDLE_DIR, DEMO_ALLOWED, data_dir

#: Set ``ZORGZONES_DEBUG=1`` to see the traceback of an unexpected error.
DEBUG_ENV = "ZORGZONES_DEBUG"
DEMO_NOTICE = "SYNTHETIC DEMO DATA: the results below come from the synthetic demo region, not from real data"


def _demo_notice(args) -> None:
    """With ``--demo`` and no real bundle, the first line of the output says the results are synthetic."""
    if not getattr(args, "demo", False) or getattr(args, "writes_bundle", False):
        return
    root = data_dir(getattr(args, "data_dir", None))
    if any((root / name / "manifest.json").is_file() for name in (BUNDLE_DIR, BUNDLE_DIR + ".old")):
        return
    print(DEMO_NOTICE, file=sys.stderr if getattr(args, "json", False) else sys.stdout)


class _Interrupt:
    """A SIGINT handler that remembers it fired, so an error raised while unwinding still reads 'interrupted'."""

    def __init__(self):
        self.fired = False
        self.previous = None

    def __call__(self, signum, frame):
        self.fired = True
        raise KeyboardInterrupt

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self)
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage and the message (or --help / --version)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    token = DEMO_ALLOWED.set(bool(getattr(args, "demo", False)))
    interrupt = _Interrupt()
    try:
        with interrupt:
            raise_option_problems(args, args.option_problems(args) if hasattr(args, "option_problems") else [])
            _demo_notice(args)
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return _interrupted()
    except ValidationError as exc:
        if interrupt.fired:
            return _interrupted()
        print(f"zorgzones: invalid input - {exc}", file=sys.stderr)
        return 2
    except (ZorgzonesError, OSError) as exc:
        if interrupt.fired:
            return _interrupted()
        print(f"zorgzones: error - {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, never a traceback
        if interrupt.fired:
            return _interrupted()
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"zorgzones: unexpected error - {type(exc).__name__}: {exc}\n"
              f"  this is a bug in zorgzones; please report it with the command line (set {DEBUG_ENV}=1 for details)",
              file=sys.stderr)
        return 1
    finally:
        DEMO_ALLOWED.reset(token)


def _interrupted() -> int:
    print("zorgzones: interrupted; files and the bundle keep their previous state", file=sys.stderr)
    return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
