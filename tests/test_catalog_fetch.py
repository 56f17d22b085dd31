"""Catalog, download/mirror path with checksums, atomic writes, and the `data` CLI on the real mirror."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest

from zorgzones import cli, fetch
from zorgzones.region import load_bundle
from zorgzones.catalog import default_catalog
from zorgzones.errors import DataError


def test_catalog_matches_mirror_checksums(mirror_dir):
    sums = {}
    for line in (mirror_dir / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split(maxsplit=1)
        sums[path.strip().lstrip("*")] = digest
    catalog = default_catalog()
    assert len(catalog.files) == 82
    for source in catalog.files:
        assert sums[str(source.relative_path)] == source.sha256, source.url
        assert source.url.startswith("https://raw.githubusercontent.com/")
    for dataset in catalog.datasets:
        assert dataset.licence and dataset.credit and dataset.reference_date, dataset.id


def test_second_fetch_copies_nothing(bundle_dir, mirror_dir):
    before = (bundle_dir / "bundle" / "manifest.json").stat().st_mtime_ns
    result = fetch.fetch_region(bundle_dir, mirror=mirror_dir, progress=False)
    assert result.fetched == [] and len(result.skipped) == 82
    assert not result.bundle_built
    assert (bundle_dir / "bundle" / "manifest.json").stat().st_mtime_ns == before


def _corrupt_copy(mirror_dir: Path, target: Path, source) -> Path:
    """A mirror made of symlinks, except one file with one byte changed."""
    for path in mirror_dir.rglob("*"):
        if path.is_file():
            link = target / path.relative_to(mirror_dir)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
    bad = target / source.relative_path
    data = bytearray(bad.read_bytes())
    bad.unlink()
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    return bad


def test_changed_byte_fails_naming_file_and_keeps_bundle(bundle_dir, mirror_dir, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(bundle_dir, data_dir, symlinks=True)
    source = default_catalog().dataset("hospitals").file("BE.csv")
    fetch.cached_path(data_dir, source).unlink()
    bad_mirror = tmp_path / "mirror"
    _corrupt_copy(mirror_dir, bad_mirror, source)
    with pytest.raises(DataError, match=r"BE\.csv: checksum mismatch"):
        fetch.fetch_region(data_dir, mirror=bad_mirror, progress=False, force=True)
    assert not fetch.cached_path(data_dir, source).exists()
    assert not list(fetch.cached_path(data_dir, source).parent.glob("*.part"))
    info = load_bundle(data_dir, allow_demo=False).info()
    assert info["levels"]["municipality"]["units"] == 304


def test_cli_reports_checksum_error_without_traceback(bundle_dir, mirror_dir, tmp_path, capsys):
    source = default_catalog().dataset("pharmacies").file("last-pharmacies_afmps.json")
    bad_mirror = tmp_path / "mirror"
    _corrupt_copy(mirror_dir, bad_mirror, source)
    code = cli.main(["data", "fetch", "--mirror", str(bad_mirror), "--data-dir", str(tmp_path / "d"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "last-pharmacies_afmps.json: checksum mismatch" in err
    assert "Traceback" not in err


@pytest.fixture
def http_mirror(mirror_dir):
    handler = functools.partial(_QuietHandler, directory=str(mirror_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_over_http_from_local_server(http_mirror, tmp_path):
    fetched, skipped = fetch.fetch_files(tmp_path, base_url=http_mirror, progress=False)
    assert len(fetched) == 82 and skipped == []
    for source in default_catalog().files:
        assert fetch.is_valid(fetch.cached_path(tmp_path, source), source)
    fetched, skipped = fetch.fetch_files(tmp_path, base_url=http_mirror, progress=False)
    assert fetched == [] and len(skipped) == 82


def test_unreachable_url_names_every_file(tmp_path):
    with pytest.raises(DataError) as info:
        fetch.fetch_files(tmp_path, base_url="http://127.0.0.1:9", progress=False)
    message = str(info.value)
    assert "82 of 82 source files could not be fetched" in message
    assert "gemeente.shp: could not download http://127.0.0.1:9/raw.githubusercontent.com/" in message
    assert not list(tmp_path.rglob("*.part"))


def test_missing_mirror_dir_is_clear(tmp_path):
    with pytest.raises(DataError, match="mirror directory .* does not exist"):
        fetch.fetch_region(tmp_path, mirror=tmp_path / "nope", progress=False)


def test_cli_fetch_and_info_json(bundle_dir, mirror_dir, capsys):
    assert cli.main(["data", "fetch", "--mirror", str(mirror_dir), "--data-dir", str(bundle_dir), "--json"]) == 0
    fetched = json.loads(capsys.readouterr().out)
    assert fetched["fetched"] == 0 and fetched["bundle_built"] is False
    assert cli.main(["data", "info", "--data-dir", str(bundle_dir), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["levels"]["municipality"] == {"units": 304, "population": 7_921_513}
    assert info["levels"]["neighbourhood"]["units"] == 2_730
    assert info["levels"]["deelgemeente"]["units"] == 1_150
    assert info["regions"] == {"brussels": 1_222_637, "flanders": 6_698_876}
    assert info["plans"]["elz"]["zones"] == 57
    assert info["plans"]["elz"]["min_population"] == 67_036
    assert info["plans"]["elz"]["min_zone"] == "elz31 Oostkust"
    assert info["plans"]["elz"]["max_population"] == 1_222_637
    assert info["services"]["pharmacy"] > 3_000 and info["services"]["hospital"] > 150
    assert {s["id"] for s in info["sources"]} >= {"pharmacies", "hospitals", "population_age", "neighbourhoods"}
    assert all(s["licence"] and s["reference_date"] for s in info["sources"])


def test_cli_info_text_and_no_command(bundle_dir, capsys):
    assert cli.main(["data", "info", "--data-dir", str(bundle_dir)]) == 0
    out = capsys.readouterr().out
    assert "304 units" in out and "7,921,513" in out
    assert cli.main([]) == 2
