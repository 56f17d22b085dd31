"""Shared test fixtures: where the shared real data lives, and the region bundle built from its mirror once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: One setting for the shared real data; CI puts ../shared beside the checkout.
SHARED_ENV = "ZORGZONES_SHARED_GEODATA"


def _shared_geodata() -> Path:
    return Path(os.environ.get(SHARED_ENV, REPO.parent / "shared" / "geodata")).resolve()


@pytest.fixture(scope="session")
def shared_geodata() -> Path:
    """``../shared/geodata``; missing data is a skip locally and a failure under CI (``CI=true``)."""
    path = _shared_geodata()
    if not (path / "mirror" / "SHA256SUMS").is_file():
        message = f"shared real data not found at {path} (set {SHARED_ENV})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def mirror_dir(shared_geodata: Path) -> Path:
    return shared_geodata / "mirror"


@pytest.fixture(scope="session")
def bundle_dir(mirror_dir: Path, tmp_path_factory) -> Path:
    """A data directory with the real region bundle, built once per session from the mirror."""
    from zorgzones import fetch

    data_dir = tmp_path_factory.mktemp("zorgzones-data")
    fetch.fetch_region(data_dir=data_dir, mirror=mirror_dir, progress=False)
    return data_dir


@pytest.fixture(scope="session")
def bundle(bundle_dir: Path):
    """The real Flanders + Brussels bundle (see ``zorgzones.bundle``)."""
    from zorgzones.region import load_bundle

    return load_bundle(bundle_dir, allow_demo=False)


@pytest.fixture(scope="session")
def demo_bundle():
    """The synthetic demo region (seed 0)."""
    from zorgzones.demo import demo_bundle

    return demo_bundle(seed=0)
