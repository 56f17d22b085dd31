"""The app opens on the real bundle and on the demo without exceptions, and `streamlit run` serves it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _run(monkeypatch, data_dir) -> AppTest:
    monkeypatch.setenv("ZORGZONES_DATA_DIR", str(data_dir))
    return AppTest.from_file(APP, default_timeout=120).run()


def test_app_on_real_bundle(monkeypatch, bundle_dir):
    at = _run(monkeypatch, bundle_dir)
    assert not at.exception
    assert not any("Synthetische" in w.value for w in at.warning)
    assert any("Statbel" in c.value for c in at.caption)


def test_app_on_demo_is_marked_synthetic(monkeypatch, tmp_path):
    at = _run(monkeypatch, tmp_path)
    assert not at.exception
    assert any("Synthetische demoregio" in w.value for w in at.warning)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_streamlit_run_serves_the_app(tmp_path):
    port = _free_port()
    env = dict(os.environ, ZORGZONES_DATA_DIR=str(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", APP, "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    assert response.read() == b"ok"
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not answer on /_stcore/health within 60 s")
    finally:
        process.terminate()
        process.wait(timeout=20)
