"""Arguments and output helpers shared by the ``cli_*`` command modules."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def add_data_dir(parser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="data directory (cache + bundle); default $ZORGZONES_DATA_DIR or the platform user data dir")


def add_json(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=1, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def progress_enabled(args) -> bool:
    """Progress bars go to stderr, only for a person at a terminal and not with ``--quiet``."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()
