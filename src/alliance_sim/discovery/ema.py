"""A thin adapter over EMA Workbench's scenario-discovery tools (2.5.x and 3.x).

EMA Workbench 2.5 (the newest for Python 3.11) and 3.0 (Python 3.12+) share PRIM, CART and
feature scoring but differ in a few signatures: 3.0's ``Prim`` has no ``threshold`` and its
``PrimBox.resample`` takes an ``rng``. This module codes to what both share and bridges the rest,
so the rest of the package never looks at the version.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd


def load() -> SimpleNamespace:
    """EMA Workbench's ``prim``, ``cart`` and ``feature_scoring`` modules.

    Raises:
        ImportError: With the install command, when the ``discovery`` extra is missing.
    """
    try:
        with warnings.catch_warnings():
            # The workbench warns about optional parallel back-ends we do not use.
            warnings.simplefilter("ignore")
            import ema_workbench
            from ema_workbench.analysis import cart, feature_scoring, prim
            from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    except ModuleNotFoundError:
        raise ImportError(
            "scenario discovery needs EMA Workbench: pip install 'alliance-sim[discovery]'"
        ) from None
    return SimpleNamespace(
        prim=prim,
        cart=cart,
        feature_scoring=feature_scoring,
        modes=RuleInductionType,
        version=ema_workbench.__version__,
    )


def make_prim(x: pd.DataFrame, y: np.ndarray, **options: Any) -> Any:
    """A binary-mode ``Prim`` on inputs ``x`` and the boolean outcome ``y``.

    Version 2.5 also takes a ``threshold``: values of ``y`` at or above it are cases of
    interest, and a final box whose density is below it is replaced by the whole space. With
    ``y`` in {0, 1}, any threshold in (0, 1] gives the right cases of interest; a tiny one keeps
    every box (the box is chosen from the peeling trajectory afterwards), as 3.0 does.
    """
    ema = load()
    params = inspect.signature(ema.prim.Prim).parameters
    if "threshold" in params:
        options = {"threshold": 1e-9, **options}
    return ema.prim.Prim(x, np.asarray(y, dtype=bool), **options)


@contextlib.contextmanager
def _numpy_global_seed(seed: int) -> Iterator[None]:
    """Seed numpy's global generator for a call that only uses it, then restore its state.

    EMA Workbench 2.5's ``resample`` draws its subsamples from ``np.random``; the model never
    does, and the previous state is put back so nothing else sees the change.
    """
    state = np.random.get_state()  # noqa: NPY002 (EMA 2.5 uses the global generator)
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def resample(box: Any, i: int, iterations: int, p: float, seed: int) -> pd.DataFrame:
    """Box reproducibility: how often each dimension is restricted when PRIM reruns on subsets.

    Returns:
        EMA's table: per input, the percentage of ``iterations`` random subsets (a fraction
        ``p`` of the points each) in which it is restricted in the box closest in coverage
        (``reproduce coverage``) and in density (``reproduce density``) to box ``i``.
    """
    if "rng" in inspect.signature(box.resample).parameters:
        return box.resample(i, iterations=iterations, p=p, rng=np.random.default_rng(seed))
    with _numpy_global_seed(seed):
        return box.resample(i, iterations=iterations, p=p)


def box_table(box: Any, i: int) -> tuple[pd.Series, pd.DataFrame]:
    """Statistics and restrictions of box ``i``: ``(stats, limits)``.

    ``limits`` has one row per restricted input with ``min``, ``max`` and the quasi-p-values of
    the lower and upper restriction (NaN for a side left unrestricted).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ((stats, limits),) = box.inspect(i, style="data")
    limits = limits.copy()
    limits.columns = ["min", "max", "qp_lower", "qp_upper"]
    return stats, limits


def cart_tree(x: pd.DataFrame, y: np.ndarray, mass_min: float, seed: int) -> Any:
    """EMA's ``CART`` fitted with a seeded scikit-learn tree.

    ``CART.build_tree`` leaves the tree's ``random_state`` unset (ties between equally good
    splits would then be broken by numpy's global generator); this fits the same tree,
    ``DecisionTreeClassifier(min_samples_leaf=mass_min · n)``, with a seed.
    """
    from sklearn.tree import DecisionTreeClassifier

    ema = load()
    tree = ema.cart.CART(x, np.asarray(y, dtype=bool), mass_min=mass_min)
    tree.clf = DecisionTreeClassifier(
        min_samples_leaf=int(mass_min * x.shape[0]), random_state=seed
    )
    tree.clf.fit(tree._x, tree.y)
    return tree


def feature_scores(x: pd.DataFrame, y: np.ndarray, regression: bool, seed: int) -> pd.Series:
    """Extra-trees feature scores (EMA's ``get_ex_feature_scores``), largest first."""
    ema = load()
    mode = ema.modes.REGRESSION if regression else ema.modes.CLASSIFICATION
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores, _ = ema.feature_scoring.get_ex_feature_scores(
            x, np.asarray(y), mode=mode, random_state=seed
        )
    return scores.iloc[:, 0].sort_values(ascending=False)
