"""Typology, hot spots, clustered zones: hand-made grids, then real data."""

from __future__ import annotations

import json

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import cut_tree, ward
from shapely.geometry import box
from sklearn.metrics import silhouette_score

from zorgzones.adjacency import unit_graph
from zorgzones.cli import main
from zorgzones.cluster_layers import hotspot_layer, typology_layer
from zorgzones.cluster_zones import cluster_zones, within_zone_variance
from zorgzones.hotspots import cluster_polygons, hot_spots, pseudo_p, weights_from_graph
from zorgzones.typology import cut_linkage, need_typology, silhouette, zone_type_mix
from zorgzones.typology_words import describe_profile
from zorgzones.zones import Plan


def grid(nx: int, ny: int, *, pop: float = 1000.0, size_m: float = 1000.0) -> gpd.GeoDataFrame:
    """nx x ny square units (EPSG:31370), ids ``g<row><col>`` row-major from the south-west corner."""
    rows = [{"unit_id": f"g{r:02d}{c:02d}", "row": r, "col": c, "pop_total": pop,
             "geometry": box(c * size_m, r * size_m, (c + 1) * size_m, (r + 1) * size_m)}
            for r in range(ny) for c in range(nx)]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:31370").set_index("unit_id")


def two_groups() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    units = grid(5, 4)
    rng = np.random.default_rng(1)
    far = (units["col"] >= 3).to_numpy()
    values = pd.DataFrame({"a": np.where(far, 10.0, 0.0) + rng.normal(0, 0.3, len(units)),
                           "b": np.where(far, -5.0, 5.0) + rng.normal(0, 0.3, len(units))}, index=units.index)
    return units, values


# -- typology ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["kmeans", "gmm", "ward"])
def test_two_obvious_groups_are_found(method):
    units, values = two_groups()
    result = need_typology(units, values=values, method=method, k_range=(2, 6), seed=0)
    assert result.k == 2
    far = (units["col"] >= 3).to_numpy()
    cluster = result.units["cluster"].to_numpy()
    assert len(set(cluster[far])) == 1 and len(set(cluster[~far])) == 1 and cluster[far][0] != cluster[~far][0]
    assert cluster[~far][0] == 1  # the bigger group (12 of 20 units) is type 1
    profiles = result.profiles
    assert profiles.loc[0, "z_a"] == 0.0 and profiles.loc[2, "z_a"] > 1.0 and profiles.loc[1, "z_a"] < -0.5
    assert result.scores.index.tolist() == [2, 3, 4, 5, 6]
    assert result.scores["silhouette"].idxmax() == 2


def test_typology_is_reproducible_for_a_seed():
    units, values = two_groups()
    values["c"] = np.random.default_rng(3).normal(size=len(units))
    first = need_typology(units, values=values, k=4, seed=7)
    again = need_typology(units, values=values, k=4, seed=7)
    assert first.units["cluster"].equals(again.units["cluster"])


def test_silhouette_matches_scikit_learn_and_cut_matches_scipy():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(60, 3))
    labels = rng.integers(0, 4, size=60)
    labels[0] = 9  # a unit alone in its cluster scores 0, as in scikit-learn
    distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    assert silhouette(labels, distances) == pytest.approx(silhouette_score(points, labels), abs=1e-12)
    tree = ward(points)
    for k in (2, 5, 11):
        ours, theirs = cut_linkage(tree, k), cut_tree(tree, n_clusters=k)[:, 0]
        assert len(set(ours)) == k
        assert pd.crosstab(ours, theirs).gt(0).sum(axis=1).eq(1).all()  # same partition, other numbering


def test_typology_rejects_bad_input_listing_every_problem():
    units, values = two_groups()
    with pytest.raises(ValueError) as error:
        need_typology(units, values=values, k=1, method="dbscan")
    assert "method 'dbscan'" in str(error.value) and "k is 1" in str(error.value)
    with pytest.raises(ValueError, match="ask for at most"):
        need_typology(units.head(4), values=values.head(4), k=4)


def test_descriptions_in_three_languages():
    z = pd.Series({"share_65plus": 1.2, "travel_min_pharmacy": 0.8, "density_per_km2": 0.1})
    assert describe_profile(z, "en") == "Older than average, far from a pharmacy"
    assert describe_profile(z, "nl") == "Ouder dan gemiddeld, ver van een apotheek"
    assert describe_profile(z, "fr") == "Plus âgé que la moyenne, loin d'une pharmacie"
    assert describe_profile(z, "en", estimated=True, age_keys={"share_65plus"}).endswith("(ages estimated)")
    assert describe_profile(z * 0.1, "en") == "close to the average"


def test_zone_type_mix_shares_add_up():
    units, values = two_groups()
    result = need_typology(units, values=values, k=2)
    plan = Plan.from_assignment(pd.Series(np.where(units["row"] < 2, "south", "north"), index=units.index), level="mixed")
    mix = zone_type_mix(result, plan)
    assert mix[["type_1", "type_2"]].sum(axis=1).round(9).eq(1).all()
    assert mix.loc["south", "type_2"] == pytest.approx(4 / 10)  # columns 3-4 of rows 0-1


# -- hot spots ---------------------------------------------------------------------------------------------------
def test_checkerboard_moran_is_minus_one():
    units = grid(6, 6)
    values = pd.Series(((units["row"] + units["col"]) % 2).astype(float).to_numpy(), index=units.index)
    result = hot_spots(units, values=values, permutations=199, seed=0)
    assert result.moran_i == pytest.approx(-1.0)
    assert not result.units["lisa_label"].isin(["HH", "LL"]).any()
    assert result.units["lisa_label"].isin(["HL", "LH"]).sum() > 0


def test_hot_block_is_found_by_gi_star_and_dissolved():
    units = grid(10, 10)
    block = units["row"].between(4, 6) & units["col"].between(4, 6)
    values = pd.Series(np.where(block, 10.0, 1.0), index=units.index)
    result = hot_spots(units, values=values, permutations=999, seed=0)
    labels = result.units["gi_label"]
    assert (labels[block] == "hot").all()
    assert labels[~block].ne("hot").all()
    assert labels[units["row"].isin([0, 9]) | units["col"].isin([0, 9])].eq("ns").all()  # far from the block: nothing
    polygons = cluster_polygons(units, labels)
    hot = polygons[polygons["label"] == "hot"]
    assert len(hot) == 1 and set(block[block].index) <= set(hot["unit_ids"].iloc[0].split(","))
    assert hot.geometry.iloc[0].area >= 9 * 1e6
    with_fdr = hot_spots(units, values=values, permutations=999, seed=0, fdr=True)
    assert with_fdr.units["gi_label"].ne("ns").sum() <= labels.ne("ns").sum()
    again = hot_spots(units, values=values, permutations=999, seed=0)
    assert again.units["gi_p"].equals(result.units["gi_p"])


@pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")
def test_pseudo_p_agrees_with_esda_without_ties_and_ignores_float_ties():
    units = grid(6, 5)
    values = np.random.default_rng(4).gamma(2.0, size=len(units))
    weights = weights_from_graph(unit_graph(units))
    lisa = esda.Moran_Local(values, weights, permutations=199, seed=1, n_jobs=1, keep_simulations=True)
    ours = pseudo_p(lisa.Is, lisa.rlisas)
    tied = (np.abs(lisa.rlisas - lisa.Is[:, None]) <= 1e-9 * np.maximum(1, np.abs(lisa.Is[:, None]))).any(axis=1)
    assert tied.sum() < len(tied) / 2 and np.allclose(ours[~tied], lisa.p_sim[~tied])
    assert (ours >= lisa.p_sim - 1e-12).all()  # exact ties count against significance
    ties = pseudo_p(np.array([1.0]), np.array([[1.0 - 1e-13] * 90 + [2.0] * 9]))
    assert ties[0] == pytest.approx(91 / 100)  # esda's p_sim would call this 1/100


def test_weights_come_from_the_adjacency_graph():
    units = grid(3, 3)
    weights = weights_from_graph(unit_graph(units))
    assert weights.cardinalities["g0101"] == 4 and weights.cardinalities["g0000"] == 2  # rook, not queen
    assert sorted(weights.neighbors["g0000"]) == ["g0001", "g0100"]


def test_hot_spots_reject_bad_settings():
    units = grid(3, 3)
    with pytest.raises(ValueError) as error:
        hot_spots(units, indicator="nope", permutations=5, alpha=2)
    text = str(error.value)
    assert "unknown indicator 'nope'" in text and "permutations 5" in text and "alpha 2" in text
    with pytest.raises(ValueError, match="Getis-Ord G needs values >= 0"):
        hot_spots(units, values=pd.Series(np.arange(9.0) - 4, index=units.index))


# -- clustering-based zones --------------------------------------------------------------------------------------
def test_cluster_zones_stay_in_band_and_inside_regions():
    units = grid(8, 8, pop=10_000.0)
    units["region"] = np.where(units["col"] < 4, "brussels", "flanders")
    rng = np.random.default_rng(0)
    profiles = pd.DataFrame({"need": np.where(units["row"] < 3, 2.0, -1.0) + rng.normal(0, 0.1, len(units)),
                             "access": rng.normal(0, 0.1, len(units))}, index=units.index)
    plan, score = cluster_zones(units, profiles=profiles, min_population=90_000, max_population=130_000, seed=0)
    zone_pop = units["pop_total"].groupby(plan.assignment.reindex(units.index)).sum()
    assert zone_pop.between(90_000, 130_000).all(), zone_pop.to_dict()
    assert score["zones_out_of_band"] == 0 and score["non_contiguous"] == 0
    regions = units["region"].groupby(plan.assignment.reindex(units.index)).nunique()
    assert regions.eq(1).all()  # no zone crosses the region border
    again, _ = cluster_zones(units, profiles=profiles, min_population=90_000, max_population=130_000, seed=0)
    assert again.equals(plan)
    stripes = Plan.from_assignment(pd.Series(units["col"].astype(str).to_numpy(), index=units.index), level="mixed")
    assert score["within_zone_variance"] < within_zone_variance(profiles, stripes.assignment)
    rough, rough_score = cluster_zones(units, profiles=profiles, min_population=90_000, max_population=130_000, seed=0,
                                       polish_passes=0)
    assert rough_score["zones_out_of_band"] == 0 and rough_score["mean_polsby_popper"] <= score["mean_polsby_popper"]


def test_cluster_zones_keep_an_oversize_unit_alone():
    units = grid(4, 4, pop=10_000.0)
    units.loc["g0000", "pop_total"] = 500_000.0
    profiles = pd.DataFrame({"need": np.arange(16.0)}, index=units.index)
    plan, score = cluster_zones(units, profiles=profiles, min_population=40_000, max_population=80_000)
    assert (plan.assignment == plan.assignment["g0000"]).sum() == 1
    assert score["zones_flagged"] == 1 and score["zones_out_of_band"] == 0


def test_cluster_zones_reject_a_bad_band():
    with pytest.raises(ValueError, match="expected 0 < min <= max"):
        cluster_zones(grid(2, 2), profiles=pd.DataFrame({"a": [0.0] * 4}, index=grid(2, 2).index),
                      min_population=5, max_population=1)


# -- real data ---------------------------------------------------------------------------------------------------
def test_real_share_80plus_coast_hot_brussels_cold(bundle):
    units = bundle.units("municipality")
    result = hot_spots(units, indicator="share_80plus", permutations=999, seed=0).units
    by_name = result.set_index("name")
    for name in ("Knokke-Heist", "De Panne", "Koksijde", "Middelkerke"):
        assert by_name.loc[name, "gi_label"] == "hot", name
    brussels = result[result.index.str.startswith("21")]
    assert len(brussels) == 19 and brussels["gi_label"].eq("cold").sum() >= 15
    assert not brussels["gi_label"].eq("hot").any()


def test_real_typology_of_neighbourhoods_flags_estimates(bundle):
    units = bundle.units("neighbourhood")
    result = need_typology(units, bundle=bundle, k="auto", seed=0)
    populated = units["pop_total"] > 0
    assert result.units.loc[populated.to_numpy(), "cluster"].between(1, result.k).all()
    assert 2 <= result.k <= 12 and len(result.profiles) == result.k + 1
    assert result.units["age_estimated"].all() and any("estimated age bands" in n for n in result.notes)
    assert result.descriptions("fr").str.len().gt(0).all()
    assert result.profiles.loc[1:, "pop_total"].sum() == pytest.approx(units["pop_total"].sum())


def test_cli_json_shapes_and_exit_codes(bundle_dir, capsys, tmp_path):
    base = ["--data-dir", str(bundle_dir), "--json"]
    assert main(["cluster", "typology", "--level", "municipality", "--k", "3", "--plan", "elz", *base]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"unit_id", "name", "cluster"} <= set(payload["units"][0]) and len(payload["units"]) == 304
    assert payload["k"] == 3 and len(payload["profiles"]) == 4 and payload["zones"]
    assert main(["cluster", "hotspots", "--level", "municipality", "--permutations", "199", "--fdr", *base]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"unit_id", "name", "gi_z", "gi_p", "gi_label", "lisa_label"} <= set(payload["units"][0])
    assert payload["fdr"] is True and set(payload["clusters"]) == {"gi", "lisa"}
    out = tmp_path / "zones.csv"
    assert main(["cluster", "zones", "--level", "neighbourhood", "--region", "brussels", "-o", str(out), *base]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"unit_id", "name", "cluster"} <= set(payload["units"][0]) and payload["score"]["zones_out_of_band"] == 0
    assert main(["plan", "validate", str(out), "--level", "neighbourhood", "--region", "brussels",
                 "--data-dir", str(bundle_dir)]) == 0
    capsys.readouterr()
    assert main(["cluster", "typology", "--indicator", "nope", *base]) == 2
    assert "unknown indicator 'nope'" in capsys.readouterr().err
    assert main(["cluster", "hotspots", "-o", str(tmp_path / "x.txt"), *base]) == 2
    assert "unsupported suffix" in capsys.readouterr().err


def test_map_layers_are_web_ready_with_legends():
    units, values = two_groups()
    units["name"] = units.index
    layer = typology_layer(need_typology(units, values=values, k=2), units, lang="fr")
    assert layer.frame.crs.to_epsg() == 4326 and layer.frame["_fill"].nunique() == 2
    assert layer.labels[0].startswith("Type 1: ") and "Types de besoins" in layer.legend()
    block = units["col"] >= 3
    spots = hot_spots(units, values=pd.Series(np.where(block, 5.0, 1.0), index=units.index), permutations=199)
    layer = hotspot_layer(spots, units, lang="en", dissolved=True)
    assert set(layer.frame["label_text"]) <= {"Hot spot", "Cold spot"} and layer.labels[:2] == ["Hot spot", "Cold spot"]
    assert hotspot_layer(spots, units, statistic="lisa", lang="nl").frame["label_text"].iloc[0] in {
        "Hoog-hoog", "Laag-laag", "Hoog tussen laag", "Laag tussen hoog", "Niet significant"}


def test_zone_type_mix_of_finer_units_goes_through_their_municipality():
    units, values = two_groups()
    units["municipality_id"] = np.where(units["col"] >= 3, "11002", "11001")
    result = need_typology(units, values=values, k=2)
    plan = Plan.from_assignment(pd.Series({"11001": "west", "11002": "east"}), level="municipality")
    mix = zone_type_mix(result, plan, units)
    assert mix.loc["west", "type_1"] == 1.0 and mix.loc["east", "type_2"] == 1.0
    assert mix["dominant_type"].to_dict() == {"east": 2, "west": 1}


def test_units_file_without_projected_columns_drops_the_growth_default(demo_bundle, tmp_path, capsys):
    from zorgzones.cli import main

    units = demo_bundle.units("municipality")
    units.drop(columns=[c for c in units.columns if c[-4:].isdigit()]).reset_index().to_file(tmp_path / "units.gpkg")
    base = ["--units", str(tmp_path / "units.gpkg"), "--demo", "--data-dir", str(tmp_path), "--k", "3", "--json"]
    assert main(["cluster", "typology", *base]) == 0
    out, err = capsys.readouterr()
    assert "growth_80plus_2035 left out" in err and "growth_80plus_2035" not in json.loads(out)["indicators"]
    assert main(["cluster", "typology", *base, "--indicator", "growth_80plus_2035", "--only"]) == 2  # asked for: refused
    assert "pop_80plus_2035" in capsys.readouterr().err


def test_cluster_commands_take_the_population_year(demo_bundle, tmp_path, capsys):
    from zorgzones.cli import main
    from zorgzones.indicators import indicator_values
    from zorgzones.population import units_for_year

    base = ["--demo", "--data-dir", str(tmp_path), "--json"]
    assert main(["cluster", "hotspots", "--year", "2040", "--permutations", "99", *base]) == 0
    rows = pd.DataFrame(json.loads(capsys.readouterr().out)["units"]).set_index("unit_id")
    expected = indicator_values(units_for_year(demo_bundle, "municipality", 2040), "share_80plus")
    assert np.allclose(rows["value"].astype(float), expected.reindex(rows.index), atol=1e-6)  # JSON rounds
    assert not np.allclose(expected, indicator_values(demo_bundle.units("municipality"), "share_80plus"), atol=1e-3)
    assert main(["cluster", "typology", "--year", "1990", "--k", "3", *base]) == 2
    assert "no population for 1990" in capsys.readouterr().err
