"""The browser's inputs: what each one means, what has changed, and how a link carries them.

A session's *settings* are a flat dict of the model's keyword arguments (``scenario_name``,
``seed``, the knobs, ``band_replicates``). The sidebar edits a pending copy; Reset builds the
model from it. :func:`pending_changes` says what is not yet applied; :func:`to_query` and
:func:`from_query` put settings, interventions and the month in the page's URL so that a reload
or a shared link restores the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from .model import ACTIONS, KNOB_LABELS, knob_defaults, scenario_names


@dataclass(frozen=True)
class Knob:
    """A slider: range, unit and a one-line help text."""

    low: float
    high: float
    step: float
    unit: str
    help: str


KNOBS: dict[str, Knob] = {
    "russia_capacity": Knob(
        0.05, 1.0, 0.05, "index 0–1",
        "Russia's ability to defend its allies at the start month (1 = full strength).",
    ),
    "capacity_trend": Knob(
        -0.3, 0.1, 0.01, "per year",
        "Yearly change of Russia's capacity from the start month (negative: the war's drain).",
    ),
    "china_pull": Knob(
        0.0, 1.0, 0.05, "0–1", "How attractive China is as an alternative patron.",
    ),
    "turkey_pull": Knob(
        0.0, 1.0, 0.05, "0–1", "How attractive Turkey is as an alternative patron.",
    ),
    "west_pull": Knob(
        0.0, 1.0, 0.05, "0–1", "How attractive the West is as an alternative.",
    ),
    "contagion": Knob(
        0.0, 10.0, 0.5, "logit units",
        "How strongly members follow their neighbours' disengagement (utility per unit of it).",
    ),
    "public_pressure_weight": Knob(
        0.0, 40.0, 1.0, "logit units",
        "How much public anger after deadly clashes weighs against engagement.",
    ),
}  # fmt: skip
BAND_SIZES = (50, 1000, 50)
#: Labels of the other inputs.
LABELS = {
    "scenario_name": "Scenario",
    "seed": "Seed",
    "band_replicates": "Ensemble size (band)",
    **KNOB_LABELS,
}
HELP = {
    "scenario_name": "A file in scenarios/: its start, horizon, events and overrides.",
    "seed": "Blank: the scenario's seed. Same seed, same run and band; any text is hashed.",
    "band_replicates": "Runs behind the median and 90% band (more: smoother, slower Reset).",
}


def default_settings() -> dict:
    """The inputs as the page opens: the baseline scenario at its own values."""
    return {
        "scenario_name": "baseline",
        "seed": "",
        **knob_defaults(),
        "band_replicates": 200,
    }


def _fmt(name: str, value) -> str:
    if name in KNOBS:
        return f"{float(value):.2f}"
    return str(value) if value != "" else "(scenario's)"


def pending_changes(applied: dict, pending: dict) -> list[str]:
    """Inputs whose pending value differs from the running model's, as ``label: old → new``."""
    out = []
    for name, new in pending.items():
        old = applied.get(name)
        same = (
            abs(float(old) - float(new)) < 1e-9
            if name in KNOBS or name == "band_replicates"
            else str(old) == str(new)
        )
        if not same:
            out.append(f"{LABELS.get(name, name)}: {_fmt(name, old)} → {_fmt(name, new)}")
    return out


def to_query(settings: dict, interventions: list[dict], month: str | None) -> str:
    """The URL query for a session: inputs that differ from the defaults, interventions, month."""
    defaults = default_settings()
    pairs = [
        (k, _fmt(k, v) if k in KNOBS else str(v))
        for k, v in settings.items()
        if k in defaults and pending_changes({k: defaults[k]}, {k: v})
    ]
    pairs += [("do", f"{e['type']}:{e['member']}:{e['date']}") for e in interventions]
    if month:
        pairs.append(("month", month))
    return urlencode(pairs)


def from_query(query: str) -> tuple[dict, list[dict], str | None, list[str]]:
    """Settings, interventions and month from a URL query; unusable entries are reported.

    Returns:
        ``(settings, interventions, month, problems)``; settings start from the defaults, and
        every entry that cannot be used is skipped with a one-line reason in ``problems``.
    """
    settings = default_settings()
    interventions: list[dict] = []
    month = None
    problems = []
    for key, values in parse_qs(query.lstrip("?"), keep_blank_values=True).items():
        value = values[-1]
        if key == "scenario_name":
            if value in scenario_names():
                settings[key] = value
            else:
                problems.append(f"scenario {value!r} not found")
        elif key == "seed":
            settings[key] = value[:64]
        elif key == "band_replicates":
            low, high, _ = BAND_SIZES
            if value.isdigit() and low <= int(value) <= high:
                settings[key] = int(value)
            else:
                problems.append(f"band_replicates={value!r}: not a size {low}–{high}")
        elif key in KNOBS:
            knob = KNOBS[key]
            try:
                number = float(value)
            except ValueError:
                number = float("nan")
            if knob.low <= number <= knob.high:
                settings[key] = number
            else:
                problems.append(f"{key}={value!r}: not a number {knob.low:g}–{knob.high:g}")
        elif key == "do":
            for item in values:
                parts = item.split(":")
                if len(parts) == 3 and parts[0] in ACTIONS:
                    interventions.append(dict(zip(("type", "member", "date"), parts, strict=True)))
                else:
                    problems.append(f"intervention {item!r} is not action:member:YYYY-MM")
        elif key == "month":
            month = value
        else:
            problems.append(f"unknown entry {key!r}")
    return settings, interventions, month, problems
