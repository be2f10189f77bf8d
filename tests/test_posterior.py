"""The posterior shipped with the package matches its recipe, so it cannot silently go stale."""

import numpy as np
import pytest

from alliance_sim.calibration import model_version
from alliance_sim.calibration.ship import SHIP_COMMAND, file_sha256, package_data_dir
from alliance_sim.core.patterns import load_patterns, patterns_hash
from alliance_sim.core.posterior import (
    Prior,
    draw_sets,
    load_posterior,
    nested_layout,
    set_index,
    shipped_recipe,
)

STALE = f"the shipped posterior is stale: regenerate it with `{SHIP_COMMAND}` (docs/validation.md)"


@pytest.fixture(scope="module")
def recipe():
    rec = shipped_recipe()
    assert rec is not None, f"no posterior ships with the package; run `{SHIP_COMMAND}`"
    return rec


def test_shipped_posterior_matches_its_recipe(recipe):
    assert recipe["prior_hash"] == Prior.from_parameters().hash(), STALE
    assert recipe["patterns_hash"] == patterns_hash(load_patterns()), STALE
    assert recipe["model_version"] == model_version(), STALE
    path = package_data_dir() / "posterior.parquet"
    assert file_sha256(path) == recipe["posterior_sha256"], "posterior.parquet was changed by hand"


def test_shipped_posterior_covers_the_prior_and_respects_its_bounds(recipe):
    table = load_posterior()
    prior = Prior.from_parameters()
    assert list(table.columns) == ["draw", *prior.keys]
    assert len(table) == recipe["sets"] >= 1000
    lo, hi = prior.support()
    values = table[list(prior.keys)].to_numpy()
    assert (values >= lo).all() and (values <= hi).all()


def test_nested_layout_gives_each_set_its_replicates():
    assert nested_layout(1000, 10) == (100, 10)
    assert nested_layout(25, 10) == (3, 10)
    assert nested_layout(4, 10) == (1, 4)
    assert set_index(25, 10).tolist() == [0] * 10 + [1] * 10 + [2] * 5


def test_draw_sets_are_reproducible_and_repeat_within_a_set():
    table = load_posterior()
    a = draw_sets(table, 50, seed=9, per_set=10)
    b = draw_sets(table, 50, seed=9, per_set=10)
    c = draw_sets(table, 50, seed=10, per_set=10)
    key = next(iter(a))
    np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a[key], c[key])
    blocks = a[key].reshape(5, 10)
    assert (blocks == blocks[:, :1]).all()
