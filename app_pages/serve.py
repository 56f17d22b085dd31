"""Serve the app with warm caches: ``python -m app_pages.serve [streamlit options]``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"


def main(argv: list[str] | None = None) -> int:
    """Import the app's modules and build the first page's data and map in this process, then run the Streamlit server
    on ``app.py`` with the given options (``--server.port 8501`` ...): the first visitor gets a ready map."""
    from streamlit.web import cli

    from app_pages import warmup

    quiet = logging.getLogger("streamlit")
    level, quiet.level = quiet.level, logging.ERROR  # "no script run context" chatter while warming outside a session
    try:
        seconds = warmup.first_page()
    finally:
        quiet.setLevel(level)
    print(f"zorgzones: first page warmed in {seconds:.1f} s", file=sys.stderr)
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
