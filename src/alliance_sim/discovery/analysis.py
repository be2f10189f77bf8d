"""Scenario discovery on a sweep's results: PRIM boxes, CART and feature scores.

The analyst names an outcome (``armenia frozen_or_exited at 24 > 0.5``); every design point
is then a case of interest or not, and the question is which region of the sampled parameter
space holds the cases. PRIM (Friedman & Fisher 1999, as used for scenario discovery by Bryant &
Lempert 2010) peels the space down to a box, CART (Breiman et al. 1984) splits it into leaves,
and extra-trees feature scores rank the parameters. All three come from EMA Workbench
(:mod:`.ema`); this module chooses a box, tabulates and draws.

Box statistics (Bryant & Lempert 2010): **coverage** is the share of all cases of interest that
lie inside the box; **density** the share of the points inside the box that are cases of
interest; **mass** the share of all points inside the box. A restriction's **quasi-p-value**
is the one-sided binomial probability of seeing the box's density if that restriction were
dropped: small values mean the restriction matters. **Reproducibility** reruns PRIM on random
halves of the points and counts how often each parameter is restricted again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import ema
from .outcome import Outcome, OutcomeError, parse_outcome

#: Defaults of the analysis (documented in docs/experiments.md).
MIN_DENSITY = 0.8
MAX_QP = 0.05
PEEL_ALPHA = 0.05
MASS_MIN = 0.05
RESAMPLE_ITERATIONS = 10
RESAMPLE_FRACTION = 0.5
#: Fewest design points on each side of an outcome (where it holds, and where it does not).
MIN_CLASS_POINTS = 5


class OptionError(ValueError):
    """An option of :func:`discover` out of its range.

    Attributes:
        option: The keyword argument (``box``, ``min_density``, ``max_qp``,
            ``resample_iterations``, ``peel_alpha`` or ``mass_min``).
        value: The value given.
        accepted: The accepted range, in words (``an integer of at least 1``).
    """

    def __init__(self, option: str, value: Any, accepted: str) -> None:
        self.option, self.value, self.accepted = option, value, accepted
        super().__init__(f"{option} must be {accepted}, got {value!r}")


def check_options(
    box: int | None,
    min_density: float,
    max_qp: float,
    peel_alpha: float,
    mass_min: float,
    resample_iterations: int,
) -> None:
    """Refuse options out of range before any work (EMA Workbench fails on some of them).

    Args:
        box: Trajectory step to report, or None (its upper bound is known only after peeling).
        min_density: Density the default box must reach.
        max_qp: Largest quasi-p-value of the default box's restrictions.
        peel_alpha: Share of points PRIM peels per step.
        mass_min: Smallest box mass.
        resample_iterations: PRIM reruns for the reproducibility table.

    Raises:
        OptionError: Naming the first option out of range and its accepted range.
    """
    whole = isinstance(resample_iterations, int | np.integer) and not isinstance(
        resample_iterations, bool
    )
    if not whole or resample_iterations < 1:
        # EMA's PrimBox.resample needs at least one rerun (with none it fails), so 0 cannot
        # mean "no resampling".
        raise OptionError("resample_iterations", resample_iterations, "an integer of at least 1")
    if box is not None and box < 0:
        raise OptionError("box", box, "a step of the peeling trajectory, 0 or more")
    if not 0 < min_density <= 1:
        raise OptionError("min_density", min_density, "in (0, 1]")
    if not 0 <= max_qp <= 1:
        raise OptionError("max_qp", max_qp, "in [0, 1]")
    if not 0 < peel_alpha < 1:
        raise OptionError("peel_alpha", peel_alpha, "in (0, 1)")
    if not 0 < mass_min < 1:
        raise OptionError("mass_min", mass_min, "in (0, 1)")


def load_results(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A sweep's results and the names of its design parameters.

    Args:
        source: A results folder (``results.parquet`` and ``manifest.json``), a Parquet or
            CSV results file, or a results DataFrame.

    Returns:
        ``(results, inputs)``; the inputs are the manifest's parameters, or else the dotted
        columns (parameter keys are dotted, outcome columns are not).

    Raises:
        FileNotFoundError: When the folder or file does not exist or holds no results.
    """
    manifest: dict[str, Any] = {}
    if isinstance(source, pd.DataFrame):
        results = source
    else:
        path = Path(source)
        if path.is_dir():
            if (path / "manifest.json").is_file():
                manifest = json.loads((path / "manifest.json").read_text())
            path = path / "results.parquet"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such results file (run the sweep first)")
        results = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    inputs = manifest.get("parameters") or [c for c in results.columns if "." in c]
    return results, list(inputs)


@dataclass
class Discovery:
    """The result of :func:`discover`: tables (``to_frames()``), figures and a report section.

    Attributes:
        outcome: The parsed outcome.
        inputs: The parameters searched (those that vary across the design).
        points: Number of design points.
        cases: Number of cases of interest among them.
        peeling: PRIM's peeling trajectory (coverage, density, mass, restricted dimensions).
        box_index: The trajectory step chosen as "the" box.
        box_stats: Coverage, density, mass, points and cases of the chosen box.
        box: The chosen box's restrictions with quasi-p-values and the sampled range.
        resampling: Reproducibility of each parameter's restriction (percent of reruns).
        cart: CART's leaves with coverage, density, mass and rule.
        scores: Feature scores of each parameter for the outcome.
        seed: Seed of the random parts (resampling, trees).
        dropped: Design parameters left out because they never vary.
        pruned: Restrictions dropped from the chosen box for their large quasi-p-values.
    """

    outcome: Outcome
    inputs: list[str]
    points: int
    cases: int
    peeling: pd.DataFrame
    box_index: int
    box_stats: pd.Series
    box: pd.DataFrame
    resampling: pd.DataFrame
    cart: pd.DataFrame
    scores: pd.DataFrame
    seed: int
    dropped: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    _prim_box: Any = field(default=None, repr=False)
    _cart: Any = field(default=None, repr=False)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every table by name: ``peeling``, ``box``, ``resampling``, ``cart``, ``scores``."""
        return {
            "peeling": self.peeling,
            "box": self.box,
            "resampling": self.resampling,
            "cart": self.cart,
            "scores": self.scores,
        }

    def summary(self) -> str:
        """One paragraph an analyst could quote."""
        s = self.box_stats
        rules = "; ".join(_rule(row) for row in self.box.itertuples()) or "no restriction"
        return (
            f"Of {self.points} design points, {self.cases} ({self.cases / self.points:.0%}) "
            f"satisfy {self.outcome.label}. PRIM's chosen box ({rules}) holds "
            f"{s['coverage']:.0%} of them (coverage) and {s['density']:.0%} of the points "
            f"inside it are cases (density), against {self.cases / self.points:.0%} overall; "
            f"it spans {s['mass']:.0%} of the sampled space."
            + (
                f" Restrictions on {', '.join(self.pruned)} were dropped from the peeled box "
                "because their quasi-p-values exceeded the limit."
                if self.pruned
                else ""
            )
        )

    # ------------------------------------------------------------------ figures
    def plot_tradeoff(self, path: str | Path | None = None) -> Any:
        """PRIM's peeling trajectory: coverage against density, coloured by restricted dims."""
        import matplotlib.pyplot as plt

        fig = self._prim_box.show_tradeoff()
        ax = fig.axes[0]
        chosen = self.peeling.loc[self.box_index]
        ax.scatter(
            [chosen["coverage"]],
            [chosen["density"]],
            s=160,
            facecolors="none",
            edgecolors="red",
            linewidths=1.5,
            label=f"chosen box ({self.box_index})",
        )
        ax.legend(loc="lower left", fontsize=8)
        ax.set_title(_wrap(f"PRIM peeling trajectory: {self.outcome.label}", 55), fontsize=9)
        fig.set_size_inches(6.5, 5.5)
        return _save(fig, path, plt)

    def plot_box(self, path: str | Path | None = None) -> Any:
        """The chosen box's restrictions within the sampled ranges, with quasi-p-values."""
        import matplotlib.pyplot as plt

        with _quiet():
            result = self._prim_box.inspect(self.box_index, style="graph")
        fig = _figure_of(result, plt)
        fig.set_size_inches(9, 2 + 0.6 * max(1, len(self.box)))
        fig.axes[0].set_title(
            _wrap(f"PRIM box {self.box_index}: {self.outcome.label}", 70), fontsize=9, pad=12
        )
        return _save(fig, path, plt)

    def plot_cart(self, path: str | Path | None = None) -> Any:
        """CART's tree (scikit-learn's drawing), leaves coloured by their majority class."""
        import matplotlib.pyplot as plt
        from sklearn.tree import plot_tree

        depth = self._cart.clf.get_depth()
        fig, ax = plt.subplots(figsize=(min(18, 4 + 3 * depth), 2 + 1.6 * depth))
        plot_tree(
            self._cart.clf,
            feature_names=self._cart.feature_names,
            class_names=["other", "case"],
            filled=True,
            impurity=False,
            proportion=True,
            precision=2,
            fontsize=7,
            ax=ax,
        )
        ax.set_title(_wrap(f"CART: {self.outcome.label}"), fontsize=9)
        return _save(fig, path, plt)

    def plot_scores(self, path: str | Path | None = None) -> Any:
        """Feature scores, largest first: which parameters matter for the outcome."""
        import matplotlib.pyplot as plt

        table = self.scores.iloc[::-1]
        fig, ax = plt.subplots(figsize=(7, 1.2 + 0.35 * len(table)))
        y = np.arange(len(table))
        ax.barh(y - 0.2, table["score_cases"], height=0.4, label="case of interest or not")
        ax.barh(y + 0.2, table["score_outcome"], height=0.4, label=f"{self.outcome.column}")
        ax.set_yticks(y, table["input"])
        ax.set_xlabel("extra-trees feature score (sums to 1)")
        ax.legend(fontsize=8, loc="lower right")
        ax.set_title(_wrap(f"Which parameters matter: {self.outcome.label}"), fontsize=9)
        fig.tight_layout()
        return _save(fig, path, plt)

    # ------------------------------------------------------------------ report
    def section(self, fmt: str = "markdown", figures: dict[str, str] | None = None) -> str:
        """The report section: headline, box table, resampling, CART and feature scores.

        Args:
            fmt: ``markdown`` or ``html`` (an HTML fragment, for the run report).
            figures: Figure name (``tradeoff``, ``box``, ``cart``, ``scores``) -> path to show.
        """
        from .report import render_section

        return render_section(self, fmt, figures or {})

    def write(self, folder: str | Path, overwrite: bool = False) -> dict[str, Path]:
        """Write tables (CSV), figures (PNG) and the section (``discovery.md``, ``.html``).

        The folder is written whole through a temporary sibling and a rename.

        Raises:
            FileExistsError: When the folder exists and ``overwrite`` is false.
        """
        from .report import write_folder

        return write_folder(self, Path(folder), overwrite)


def discover(
    results: str | Path | pd.DataFrame,
    outcome: str,
    *,
    inputs: list[str] | None = None,
    box: int | None = None,
    min_density: float = MIN_DENSITY,
    max_qp: float = MAX_QP,
    prune: bool = True,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
    resample_iterations: int = RESAMPLE_ITERATIONS,
    seed: int = 0,
) -> Discovery:
    """Find the parameter region where an outcome holds (PRIM, CART, feature scores).

    Example:
        >>> d = discover("results/armenia_kazakhstan_discovery",
        ...              "armenia frozen_or_exited at 24 > 0.5")  # doctest: +SKIP
        >>> d.box  # restrictions with quasi-p-values  # doctest: +SKIP

    Args:
        results: A results folder or file, or a results DataFrame (see :func:`load_results`).
        outcome: The outcome expression (see :mod:`.outcome`).
        inputs: Parameters to search (default: the design's; those that never vary are left
            out).
        box: Trajectory step to report; default: the highest-coverage box whose density is at
            least ``min_density`` and whose restrictions all have quasi-p-values of at most
            ``max_qp`` (without such a box, the highest-coverage dense box; without a dense
            box, the densest).
        min_density: Density the default box must reach.
        max_qp: Largest quasi-p-value a restriction of the default box may have.
        prune: When no dense box has only significant restrictions, drop the restrictions of
            the chosen box whose quasi-p-value exceeds ``max_qp`` (least significant first).
        peel_alpha: Share of points PRIM peels per step.
        mass_min: Smallest box mass PRIM and the CART leaves may reach.
        resample_iterations: PRIM reruns on random halves for the reproducibility table (at
            least 1).
        seed: Seed of the resampling, CART's tie-breaking and the extra trees.

    Raises:
        OptionError: For an option out of its range (checked first; ``box`` against the
            trajectory's length once PRIM has peeled).
        OutcomeError: For an outcome that cannot be read, or that holds at all points or none.
        ValueError: For unknown inputs.
    """
    check_options(box, min_density, max_qp, peel_alpha, mass_min, resample_iterations)
    frame, design_inputs = load_results(results)
    parsed = parse_outcome(outcome, frame)
    inputs = list(inputs or design_inputs)
    unknown = [k for k in inputs if k not in frame.columns]
    if unknown:
        raise ValueError(f"unknown inputs {unknown}; the results have {design_inputs}")
    x = frame[inputs].astype(float)
    dropped = [k for k in inputs if x[k].nunique() < 2]
    x = x.drop(columns=dropped).reset_index(drop=True)
    if x.shape[1] == 0:
        raise ValueError("no design parameter varies across the results: nothing to search")
    y = parsed.evaluate(frame)
    cases = int(y.sum())
    if cases == 0 or cases == len(y):
        which = "none" if cases == 0 else "all"
        raise OutcomeError(
            f"the outcome {parsed.expression!r} holds at {which} of the {len(y)} design points, "
            "so there is nothing to discover; change the threshold"
        )
    if min(cases, len(y) - cases) < MIN_CLASS_POINTS:
        # PRIM's reruns on random halves then see one class only (EMA Workbench 2.5 fails).
        raise OutcomeError(
            f"the outcome {parsed.expression!r} holds at {cases} of the {len(y)} design points: "
            f"fewer than {MIN_CLASS_POINTS} points on one side leave PRIM nothing to separate; "
            "change the threshold"
        )
    with _quiet():
        prim = ema.make_prim(x, y, peel_alpha=peel_alpha, paste_alpha=peel_alpha, mass_min=mass_min)
        prim_box = prim.find_box()
    steps = len(prim_box.peeling_trajectory)
    if box is None:

        def significant(step: int) -> bool:
            return _worst_restriction(prim_box, step)[1] <= max_qp

        box = choose_box(_trajectory(prim_box), min_density, significant)
        dropped_restrictions = []
        if prune:
            with _quiet():
                box, dropped_restrictions = _prune(prim_box, int(box), max_qp)
    elif not 0 <= box < steps:
        raise OptionError("box", box, f"a step of the peeling trajectory, 0 to {steps - 1}")
    else:
        dropped_restrictions = []
    peeling = _trajectory(prim_box)
    peeling["dropped"] = ""
    for step, name in zip(range(steps, len(peeling)), dropped_restrictions, strict=True):
        peeling.loc[step, "dropped"] = name
    stats, limits = ema.box_table(prim_box, int(box))
    limits = limits.reset_index(names="input")
    limits.insert(3, "sampled_min", [x[k].min() for k in limits["input"]])
    limits.insert(4, "sampled_max", [x[k].max() for k in limits["input"]])
    box_stats = pd.Series(
        {
            "box": int(box),
            "coverage": float(stats["coverage"]),
            "density": float(stats["density"]),
            "mass": float(stats["mass"]),
            "restricted": int(stats["res_dim"]),
            "points": int(stats["n"]),
            "cases": int(stats["k"]),
        }
    )
    with _quiet():
        resampled = ema.resample(prim_box, int(box), resample_iterations, RESAMPLE_FRACTION, seed)
    # EMA sums 1/iterations per rerun; round away the floating-point residue (99.999…).
    resampling = (
        resampled.round(6)
        .reset_index(names="input")
        .rename(
            columns={
                "reproduce coverage": "reproduce_coverage_pct",
                "reproduce density": "reproduce_density_pct",
            }
        )
    )
    tree = ema.cart_tree(x, y, mass_min, seed)
    scores = pd.DataFrame(
        {
            "score_cases": ema.feature_scores(x, y, regression=False, seed=seed),
            "score_outcome": ema.feature_scores(
                x, frame[parsed.column].to_numpy(dtype=float), regression=True, seed=seed
            ),
        }
    )
    scores = scores.sort_values("score_cases", ascending=False).reset_index(names="input")
    return Discovery(
        outcome=parsed,
        inputs=list(x.columns),
        points=len(y),
        cases=cases,
        peeling=peeling.reset_index(drop=True),
        box_index=int(box),
        box_stats=box_stats,
        box=limits,
        resampling=resampling,
        cart=_cart_table(tree, x),
        scores=scores,
        seed=seed,
        dropped=dropped,
        pruned=dropped_restrictions,
        _prim_box=prim_box,
        _cart=tree,
    )


def _trajectory(prim_box: Any) -> pd.DataFrame:
    """PRIM's peeling trajectory with the columns both EMA versions share."""
    peeling = prim_box.peeling_trajectory[
        ["id", "coverage", "density", "mass", "res_dim", "n", "k"]
    ].copy()
    return peeling.astype({"id": int, "res_dim": int, "n": int, "k": int}).reset_index(drop=True)


def _worst_restriction(prim_box: Any, step: int) -> tuple[str | None, float]:
    """The restriction of box ``step`` with the largest quasi-p-value, and that value."""
    _, limits = ema.box_table(prim_box, step)
    qp = limits[["qp_lower", "qp_upper"]].max(axis=1)
    if qp.notna().sum() == 0:
        return None, 0.0
    return str(qp.idxmax()), float(qp.max())


def _prune(prim_box: Any, step: int, max_qp: float) -> tuple[int, list[str]]:
    """Drop the least significant restrictions, one at a time, until all have qp ≤ ``max_qp``.

    Bryant & Lempert (2010) drop restrictions whose quasi-p-value is large: they add
    dimensions an analyst must explain without raising density reliably. Each drop is EMA's
    ``drop_restriction`` and appends a step to the trajectory.
    """
    dropped: list[str] = []
    while True:
        name, worst = _worst_restriction(prim_box, step)
        if name is None or worst <= max_qp:
            return step, dropped
        prim_box.drop_restriction(uncertainty=name, i=step)
        step = len(prim_box.peeling_trajectory) - 1
        dropped.append(name)


def choose_box(
    peeling: pd.DataFrame,
    min_density: float = MIN_DENSITY,
    significant: Callable[[int], bool] | None = None,
) -> int:
    """The trajectory step to report: the highest coverage among boxes dense enough.

    Among the steps with density ≥ ``min_density``, ordered by coverage (on a tie, the denser,
    then the one with fewer restricted dimensions), the first for which ``significant(step)``
    holds (every restriction's quasi-p-value small enough), else the first; if no step is that
    dense, the densest.
    """
    dense = peeling[peeling["density"] >= min_density]
    if dense.empty:
        return int(peeling["density"].idxmax())
    ordered = dense.sort_values(
        ["coverage", "density", "res_dim"], ascending=[False, False, True], kind="stable"
    )
    if significant is not None:
        for step in ordered.index:
            if significant(int(step)):
                return int(step)
    return int(ordered.index[0])


def _cart_table(tree: Any, x: pd.DataFrame) -> pd.DataFrame:
    """CART's leaves: statistics and the rule (restricted inputs only), densest first."""
    rows = []
    for leaf, (stats, limits) in enumerate(zip(tree.stats, tree.boxes, strict=True)):
        rule = []
        for key in x.columns:
            low, high = float(limits[key].iloc[0]), float(limits[key].iloc[1])
            lo_cut, hi_cut = low > x[key].min(), high < x[key].max()
            if lo_cut and hi_cut:
                rule.append(f"{low:.3g} ≤ {key} ≤ {high:.3g}")
            elif lo_cut:
                rule.append(f"{key} ≥ {low:.3g}")
            elif hi_cut:
                rule.append(f"{key} ≤ {high:.3g}")
        rows.append(
            {
                "leaf": leaf,
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": float(stats["mass"]),
                "restricted": int(stats["res dim"]),
                "rule": " and ".join(rule) or "(whole space)",
            }
        )
    table = pd.DataFrame(rows)
    return table.sort_values(["density", "coverage"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def _rule(row: Any) -> str:
    lower = not np.isnan(row.qp_lower)
    upper = not np.isnan(row.qp_upper)
    if lower and upper:
        return f"{row.min:.3g} ≤ {row.input} ≤ {row.max:.3g}"
    if lower:
        return f"{row.input} ≥ {row.min:.3g}"
    return f"{row.input} ≤ {row.max:.3g}"


def _wrap(text: str, width: int = 80) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _figure_of(result: Any, plt: Any) -> Any:
    """The Figure from what EMA's ``inspect(style="graph")`` returns (it varies by version)."""
    from matplotlib.figure import Figure

    stack = [result]
    while stack:
        item = stack.pop()
        if isinstance(item, Figure):
            return item
        if hasattr(item, "figure") and isinstance(item.figure, Figure):
            return item.figure
        if isinstance(item, list | tuple):
            stack.extend(item)
    return plt.gcf()


def _save(fig: Any, path: str | Path | None, plt: Any) -> Any:
    if path is not None:
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)
    return fig


class _quiet:
    """Silence EMA's logging and library warnings inside a block."""

    def __enter__(self) -> None:
        import logging
        import warnings

        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore")
        self._logger = logging.getLogger("EMA")
        self._level = self._logger.level
        self._logger.setLevel(logging.WARNING)

    def __exit__(self, *exc: object) -> None:
        self._logger.setLevel(self._level)
        self._warnings.__exit__(*exc)


__all__ = ["Discovery", "OutcomeError", "choose_box", "discover", "load_results"]
