"""Proper scores (Brier, logarithmic) of probability forecasts, via ``scoringrules``.

Used twice: the leave-one-out check of the calibration (each pattern predicted from the others,
against naive forecasts) and the scoring of saved forecasts against observed outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.patterns import Pattern

#: Forecast probabilities are kept inside [EPS, 1 − EPS] for the log score, so that a
#: probability estimated as zero from a finite sample costs a large, finite penalty.
EPS = 1e-3


def brier(observed: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Brier score of probability ``p`` for binary outcomes ``observed`` (lower is better)."""
    import scoringrules as sr

    return np.asarray(sr.brier_score(np.asarray(observed, float), np.asarray(p, float)))


def log_score(observed: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Logarithmic score −log P(observed) (lower is better); ``p`` clipped to [EPS, 1 − EPS]."""
    import scoringrules as sr

    clipped = np.clip(np.asarray(p, float), EPS, 1 - EPS)
    return np.asarray(sr.log_score(np.asarray(observed, float), clipped))


def loo_table(stats: pd.DataFrame, patterns: Sequence[Pattern]) -> pd.DataFrame:
    """Leave-one-out forecasts of each pattern and their scores.

    For pattern *p*: ``p_model`` is the probability that *p* holds among the draws the other
    patterns accept (calibrated without *p*, predicted on the same replayed history);
    ``p_prior`` the same under the uncalibrated prior; ``p_persistence`` the probability under
    persistence of the last observed posture (every member keeps its posture of December 2021);
    ``p_base_rate`` under persistence plus departures at the bloc's base rate. Every pattern is
    observed to hold (outcome 1), so Brier = (1 − p)² and log score = −log p.

    Returns:
        One row per pattern with those probabilities and ``brier_*``, ``log_*`` columns, then
        ``mean (independent)``: their mean over the patterns no parameter was tuned on (a
        pattern with ``tuned_on``, such as the war stances, would flatter the model).
    """
    s = stats.set_index("pattern")
    rows = []
    for p in patterns:
        r = s.loc[p.id]
        probs = {
            "model": r["others_and_this"] / r["others"] if r["others"] > 0 else np.nan,
            "prior": r["weight"] / r["draws"],
            "persistence": r["persistence"] / r["draws"],
            "base_rate": r["base_rate"] / r["draws"],
        }
        row: dict[str, object] = {"pattern": p.id}
        row.update({f"p_{k}": v for k, v in probs.items()})
        for k, v in probs.items():
            row[f"brier_{k}"] = float(brier(np.array([1.0]), np.array([v]))[0])
            row[f"log_{k}"] = float(log_score(np.array([1.0]), np.array([v]))[0])
        rows.append(row)
    table = pd.DataFrame(rows)
    independent = np.array([not p.tuned_on for p in patterns])
    columns = [c for c in table.columns if c != "pattern"]
    mean = {"pattern": "mean (independent)"}
    mean |= {c: table.loc[independent, c].mean() for c in columns}
    return pd.concat([table, pd.DataFrame([mean])], ignore_index=True)
