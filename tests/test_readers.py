"""Each reader on the real original files (from the mirror), checked against the published totals."""

from __future__ import annotations

import pytest

from zorgzones import readers
from zorgzones.catalog import default_catalog
from zorgzones.fetch import cached_path
from zorgzones.settings import WORKING_CRS


@pytest.fixture(scope="module")
def original(bundle_dir):
    catalog = default_catalog()
    return lambda dataset, name: cached_path(bundle_dir, catalog.dataset(dataset).file(name))


def test_nis_code_keeps_leading_zeros():
    assert list(readers.nis_code([2000, "4000", 11002.0, "21001", None])) == ["02000", "04000", "11002", "21001", None]


def test_shapefile_reprojected_with_utf8_names(original):
    municipalities = readers.read_vector(original("municipalities_2025", "gemeente.shp"))
    assert len(municipalities) == 304
    assert municipalities.crs == WORKING_CRS
    assert "Sint-Jans-Molenbeek" in set(municipalities["naam"])
    neighbourhoods = readers.read_vector(original("neighbourhoods", "ggw72024.shp"))
    assert "Zoniënwoud (Hoeilaart)" in set(neighbourhoods["naam"])  # accents decoded as the .cpg declares (UTF-8)


def test_xlsx_codes_as_strings(original):
    table = readers.read_table(original("municipalities_2025", "gemeente_provincie.xlsx"), code_columns=("gemeente", "provincie"))
    assert set(table["provincie"]) >= {"10000", "20001", "30000", "40000", "70000", "04000"}
    assert table["gemeente"].str.len().eq(5).all()


def test_statbel_population_zip(original):
    population = readers.read_statbel_population(original("population_age", "TF_SOC_POP_STRUCT_2022.zip"))
    assert population["population"].sum() == 11_584_008
    assert population.loc[population["age"] >= 65, "population"].sum() == 2_269_316
    assert population.loc[population["age"] >= 80, "population"].sum() == 643_721
    assert set(population["sex"]) == {"M", "F"}
    assert population["nis"].str.len().eq(5).all()


def test_sector_population_rda(original):
    sectors = readers.read_sector_population(original("population_sectors", "BE_POP_SECTOR.rda"), year=2022)
    assert len(sectors) == 20_376
    assert sectors["population"].sum() == 11_584_008
    assert sectors["sector_id"].str.len().eq(9).all()


def test_fagg_pharmacies_json(original):
    pharmacies = readers.read_fagg_pharmacies(original("pharmacies", "last-pharmacies_afmps.json"))
    assert len(pharmacies) == 5_026
    assert pharmacies["status"].value_counts().to_dict() == {"ACTIVE": 4_717, "TEMPORARILY_SUSPENDED": 309}
    assert pharmacies.crs == WORKING_CRS
    x, y = pharmacies.geometry.x, pharmacies.geometry.y
    assert x.between(0, 300_000).all() and y.between(0, 250_000).all()  # all in Belgian Lambert 72 range


def test_eurostat_hospitals_csv(original):
    hospitals = readers.read_eurostat_hospitals(original("hospitals", "BE.csv"))
    assert len(hospitals) == 272
    assert hospitals["beds"].sum() == 65_821
    assert hospitals["emergency"].sum() == 129
    assert hospitals.crs == WORKING_CRS


def test_shapefile_without_prj_is_refused(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    from zorgzones.errors import ValidationError

    path = tmp_path / "points.shp"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(150_000, 200_000)], crs=WORKING_CRS).to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(ValidationError, match=r"(?s)points\.shp: 1 problem.*no coordinate reference system"):
        readers.read_vector(path)
