"""Open the region: the bundle in the data directory, else the synthetic demo."""

from __future__ import annotations

import os

from . import settings
from .bundle import Bundle, bundle_path
from .settings import BUNDLE_DIR, DEMO_ALLOWED, DEMO_DIR
from .demo import demo_bundle
from .errors import DataError


def load_bundle(data_dir: str | os.PathLike | None = None, *, allow_demo: bool | None = None) -> Bundle:
    """The real region bundle in ``data_dir``; without one, the synthetic demo region (unless ``allow_demo=False``;
    ``None`` follows :data:`DEMO_ALLOWED`, which the CLI sets from ``--demo``)."""
    root = settings.data_dir(data_dir)
    allow_demo = DEMO_ALLOWED.get() if allow_demo is None else allow_demo
    for candidate in (bundle_path(root), root / (BUNDLE_DIR + ".old")):
        if (candidate / "manifest.json").is_file():
            return Bundle.from_directory(candidate, data_dir=root)
    if not allow_demo and root.exists() and not root.is_dir():
        raise DataError(f"data directory {root} is a file, not a folder; check --data-dir")
    if not allow_demo and not root.is_dir():
        raise DataError(f"data directory {root} does not exist; check --data-dir, run `zorgzones data fetch --data-dir {root}`, "
                        "or add --demo to run on the synthetic demo region")
    if not allow_demo:
        raise DataError(f"no region bundle in {root}; run `zorgzones data fetch --data-dir {root}` "
                        "(or add `--mirror DIR` to read a local mirror), or add --demo to run on the synthetic demo region")
    demo_dir = root / DEMO_DIR
    if (demo_dir / "manifest.json").is_file():
        return Bundle.from_directory(demo_dir, data_dir=root)
    return demo_bundle(seed=0)
