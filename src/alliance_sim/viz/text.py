"""Words the browser shows: human names, metric explanations and the event log in plain words.

Metric keys come from :data:`alliance_sim.viz.model.METRICS` (one place); a key without an entry
here still gets a readable label.
"""

from __future__ import annotations

#: Country and actor names as people write them.
NAMES = {"west": "the West", "usa": "the USA"}
METRIC_LABELS_KNOWN = {
    "integrity": "Integrity",
    "cohesion": "Cohesion",
    "credibility": "Credibility",
    "capacity": "Russia's capacity",
}
METRIC_HELP = {
    "integrity": "How much of the 2022 bloc is still engaged: each founding member counts 1 "
    "active, 0.75 reduced, 0.25 frozen, 0 exited (mean over the six).",
    "cohesion": "Mean loyalty of the engaged members times how well they get on with each "
    "other (0 if fewer than two are engaged).",
    "credibility": "How much the members still in the bloc believe Russia would defend them "
    "(mean trust).",
    "capacity": "Russia's capacity to defend its allies (1 = full strength), drained by the war.",
}
P_EXIT_HELP = (
    "P(out at horizon): the share of the ensemble's runs in which the member is out of the bloc "
    "(exited) in the last month. A member already out at the start that stays out counts; one "
    "forced out and rejoined does not. Shown as < 1/R when no run has it out."
)
#: Parameter keys of set_parameter events, in words.
PARAMETER_WORDS = {
    "global.capacity_drift": (
        "Russia's capacity trend",
        lambda v: f"{v * 12:+.2f} a year (capacity 0–1)",
    ),
    "global.war_intensity": ("War intensity", lambda v: f"{v:g} (0–1)"),
}


def human(name: str) -> str:
    """``kyrgyzstan`` as ``Kyrgyzstan``, ``west`` as ``the West``."""
    return NAMES.get(name, name.replace("_", " ").title())


def metric_label(key: str) -> str:
    """The label of a bloc metric (falls back to the key in words)."""
    return METRIC_LABELS_KNOWN.get(key, key.replace("_", " ").capitalize())


class _Labels(dict):
    def __missing__(self, key: str) -> str:
        return metric_label(key)


#: Metric key -> label, for any key.
METRIC_LABELS = _Labels(METRIC_LABELS_KNOWN)


def describe(event: dict) -> str:
    """One event of the log in plain words, with human names."""
    kind, subject, detail = event["kind"], event["subject"], event["detail"]
    who = " and ".join(human(s) for s in subject.split("–"))
    if kind == "article4_request":
        return f"{who} asks the bloc for help (Article 4): {detail}"
    if kind == "state_change":
        old, _, new = detail.partition(" → ")
        return f"{who} goes from {old} to {new}" if new else f"{who}: {detail}"
    if kind == "border_clash":
        severity = detail.removeprefix("severity ")
        return f"Border clash between {who} (severity {severity} on 0–1)"
    if kind == "intervention":
        action = detail.removeprefix("forced to ")
        verb = {"exit": "leave the bloc", "freeze": "freeze its membership", "rejoin": "rejoin"}
        return f"You forced {who} to {verb.get(action, action)}"
    if kind == "hegemon_shock":
        return f"Shock to {who}'s {detail}"
    if kind == "hegemon_reward":
        return f"Russia rewards {who} (favours it over its rivals)"
    if kind == "patron_offer":
        patron, _, rest = detail.partition(" offers ")
        return f"{human(patron)} offers {who} an alternative ({rest})"
    if kind == "set_parameter":
        value = detail.removeprefix("= ").strip()
        if subject in PARAMETER_WORDS:
            label, fmt = PARAMETER_WORDS[subject]
            try:
                return f"{label} set to {fmt(float(value))}"
            except ValueError:
                pass
        entity, _, name = subject.partition(".")
        owner = "" if entity == "global" else f"{human(entity)}'s "
        return f"{owner}{name.replace('_', ' ')} set to {value}"
    return f"{who}: {detail}"


def merge_duplicates(log: list[dict]) -> list[dict]:
    """Identical rows of one month as one row with a count (``times``), order kept."""
    out: list[dict] = []
    seen: dict[tuple, dict] = {}
    for event in log:
        key = (event["date"], event["kind"], event["subject"], event["detail"])
        if key in seen:
            seen[key]["times"] += 1
            continue
        row = {**event, "times": 1}
        seen[key] = row
        out.append(row)
    return out
