"""The scenario store keeps named plans in SQLite across connections (restarts), with clear errors."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from zorgzones import planstore
from zorgzones.errors import DataError, ValidationError
from zorgzones.zones import Plan


def _plan(name: str = "variant") -> Plan:
    table = pd.DataFrame({"unit_id": ["11001", "11002", "11004"], "zone_id": ["z1", "z1", "z2"],
                          "zone_name": ["Noord <b>", "Noord <b>", "Zuid"]})
    return Plan.from_assignment(table, name=name, level="municipality", min_population=1000, max_population=None,
                                notes="hand-made")


def test_save_list_load_round_trip(tmp_path):
    assert planstore.list_plans(data_dir=tmp_path).empty
    stored = planstore.save_plan(_plan(), "  Variant A ", region="demo", data_dir=tmp_path)
    assert stored == "Variant A"
    assert planstore.store_path(tmp_path).is_file()
    listing = planstore.list_plans(data_dir=tmp_path)
    assert listing[["name", "region", "level", "zones", "units"]].values.tolist() == [["Variant A", "demo", "municipality", 2, 3]]
    loaded = planstore.load_plan("Variant A", data_dir=tmp_path)
    assert loaded.equals(_plan())
    assert loaded.name == "Variant A"
    assert loaded.zone_name("z1") == "Noord <b>"
    assert (loaded.min_population, loaded.max_population, loaded.notes) == (1000, None, "hand-made")


def test_store_is_plain_sqlite_without_pickle(tmp_path):
    planstore.save_plan(_plan(), "x", data_dir=tmp_path)
    with sqlite3.connect(planstore.store_path(tmp_path)) as connection:
        assignment, = connection.execute("SELECT assignment FROM scenarios").fetchone()
    assert assignment.startswith("{") and '"11001": "z1"' in assignment


def test_env_data_dir_is_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("ZORGZONES_DATA_DIR", str(tmp_path))
    planstore.save_plan(_plan(), "from env")
    assert (tmp_path / planstore.STORE_FILE).is_file()
    assert planstore.list_plans()["name"].tolist() == ["from env"]


def test_overwrite_filter_and_delete(tmp_path):
    planstore.save_plan(_plan(), "a", region="r1", data_dir=tmp_path)
    planstore.save_plan(_plan(), "b", region="r2", data_dir=tmp_path)
    moved = _plan().with_assignment(pd.Series({"11001": "z2", "11002": "z1", "11004": "z2"}))
    planstore.save_plan(moved, "a", region="r1", data_dir=tmp_path)
    assert planstore.load_plan("a", data_dir=tmp_path).assignment["11001"] == "z2"
    with pytest.raises(ValidationError, match="exists already"):
        planstore.save_plan(moved, "a", data_dir=tmp_path, overwrite=False)
    assert planstore.list_plans(region="r2", data_dir=tmp_path)["name"].tolist() == ["b"]
    assert planstore.delete_plan("a", data_dir=tmp_path) is True
    assert planstore.delete_plan("a", data_dir=tmp_path) is False
    assert sorted(planstore.list_plans(data_dir=tmp_path)["name"]) == ["b"]


def test_bad_names_and_missing_scenarios(tmp_path):
    with pytest.raises(ValidationError, match="empty"):
        planstore.save_plan(_plan(), "   ", data_dir=tmp_path)
    with pytest.raises(ValidationError, match="at most"):
        planstore.save_plan(_plan(), "x" * 500, data_dir=tmp_path)
    with pytest.raises(DataError, match="no scenario named 'nope'"):
        planstore.load_plan("nope", data_dir=tmp_path)
    assert planstore.delete_plan("nope", data_dir=tmp_path) is False
