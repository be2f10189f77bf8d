"""Solara components of the browser app; each reads Mesa's ``update_counter`` to redraw on Step.

Every component takes the session's :class:`~alliance_sim.viz.model.AllianceVizModel` and draws
from one :meth:`~alliance_sim.viz.model.AllianceVizModel.view`, so a panel never mixes two
months.
"""

from __future__ import annotations

import html

import solara
from mesa.visualization.utils import force_update, update_counter

from . import figures
from .model import ACTIONS, KNOB_LABELS, AllianceVizModel, View

MONTHS = "January February March April May June July August September October November December"
MONTH_NAMES = MONTHS.split()

KIND_LABELS = {
    "article4_request": "Article 4 request",
    "border_clash": "Border clash",
    "state_change": "State change",
    "hegemon_shock": "Shock to Russia",
    "hegemon_reward": "Russian reward",
    "patron_offer": "Patron offer",
    "set_parameter": "Setting",
    "intervention": "Intervention",
}
KIND_COLOURS = {
    "state_change": "#d32f2f",
    "intervention": "#6a1b9a",
    "article4_request": "#ef6c00",
    "border_clash": "#b71c1c",
}
STATE_CHIP = {
    "active": "#2e7d32",
    "reduced": "#ef8f00",
    "frozen": "#6a4fa3",
    "exited": "#c62828",
}
PANEL = {"padding": "8px 12px", "margin": "6px 0"}


def long_date(month: str) -> str:
    """``2023-01`` as ``January 2023``."""
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]} {year}"


def _title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def describe(event: dict) -> str:
    """One line of the event log, in words."""
    kind, subject, detail = event["kind"], event["subject"], event["detail"]
    pretty = " – ".join(_title(s) for s in subject.split("–"))
    if kind == "article4_request":
        return f"{pretty} asks the bloc for help (Article 4): {detail}"
    if kind == "state_change":
        return f"{pretty}: {detail}"
    if kind == "border_clash":
        return f"Border clash {pretty} ({detail})"
    if kind == "intervention":
        return f"You forced {pretty} to {detail.removeprefix('forced to ')}"
    if kind == "set_parameter":
        return f"{subject} {detail}"
    return f"{pretty}: {detail}"


def outlook(view: View) -> str:
    """The ensemble at the horizon in one line: metric medians with 90% intervals, exits."""
    band = view.ensemble
    parts = []
    for key in ("integrity", "cohesion", "credibility"):
        low, mid, high = band.metrics[key][-1]
        parts.append(f"{key} <b>{mid:.2f}</b> ({low:.2f}–{high:.2f})")
    leaving = [
        f"{_title(name)} {share:.0%}"
        for name, share in sorted(band.exit_share.items(), key=lambda kv: -kv[1])
        if share >= 0.01
    ]
    exits = "exits: " + (", ".join(leaving) if leaving else "none in any run")
    return f"Ensemble at {view.end} (median, 90% interval): " + " · ".join(parts) + f" · {exits}"


@solara.component
def Header(model: AllianceVizModel):
    """The month on screen, the scenario, and the run's key numbers against the ensemble."""
    update_counter.get()
    view = model.view()
    scenario = model.alliance_scenario
    with solara.Card(style=PANEL):
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap", "gap": "18px"}):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<span class="viz-date" style="font-size:26px;font-weight:600">'
                    f"{view.date}</span>"
                    f'<span style="font-size:15px;color:#555;margin-left:10px">'
                    f"{long_date(view.date)} · month {view.step} of {view.months}</span>"
                ),
            )
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<span class="viz-scenario" style="font-size:15px;font-weight:600">'
                    f"{html.escape(scenario.name)}</span>"
                    f'<span style="color:#555;margin-left:8px">'
                    f"{html.escape(scenario.description.strip())}</span>"
                ),
            )
        solara.HTML(
            tag="div",
            classes=["viz-outlook"],
            style={"font-size": "14px", "margin": "2px 0"},
            unsafe_innerHTML=outlook(view),
        )
        settings = ", ".join(f"{KNOB_LABELS[k]} = {v:g}" for k, v in model.settings.items())
        solara.HTML(
            tag="div",
            classes=["viz-settings"],
            style={"color": "#555", "font-size": "13px"},
            unsafe_innerHTML=(
                f"Seed {model.seed_used} · band: {view.ensemble.replicates} replicates · "
                + (
                    f"sliders in force: {html.escape(settings)}"
                    if settings
                    else "sliders at the scenario's values"
                )
                + (f" · {len(model.interventions)} intervention(s)" if model.interventions else "")
            ),
        )


@solara.component
def StateChips(view: View):
    """Each member's engagement state as text (also what the browser tests read)."""
    chips = []
    for name in view.members:
        state = view.states[name]
        chips.append(
            f'<span class="viz-state" data-member="{name}" data-state="{state}" '
            f'style="display:inline-block;margin:2px 6px 2px 0;padding:1px 8px;'
            f"border-radius:10px;border:1px solid {STATE_CHIP[state]};"
            f'color:{STATE_CHIP[state]};font-size:13px">{_title(name)}: {state}</span>'
        )
    solara.HTML(tag="div", classes=["viz-states"], unsafe_innerHTML="".join(chips))


@solara.component
def Interventions(model: AllianceVizModel):
    """Force a member to exit, freeze or rejoin in the month on screen."""
    update_counter.get()
    members = [m for m in model.members if m != model.run.hegemon.name]
    choice, set_choice = solara.use_state(members[-2] if len(members) > 1 else members[0])
    if choice not in members:
        choice = members[0]

    def act(action: str) -> None:
        model.intervene(choice, action)
        force_update()

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "8px"}):
        solara.Text("Intervene now:", style={"font-weight": "600"})
        with solara.Div(style={"width": "140px"}):
            solara.Select(label="Member", value=choice, values=members, on_value=set_choice)
        labels = {"exit": "Force exit", "freeze": "Force freeze", "rejoin": "Rejoin"}
        for action in ACTIONS:
            solara.Button(
                labels[action],
                on_click=lambda action=action: act(action),
                disabled=not model.can_force(choice, action),
                color="error" if action == "exit" else None,
                outlined=action != "exit",
                small=True,
            )


@solara.component
def Chart(kind: type[figures.BlitChart], view: View):
    """A chart as a PNG image; its static part is rebuilt only when the ensemble changes."""
    chart = solara.use_memo(lambda: kind(view), [kind, view.ensemble.token])
    png = solara.use_memo(lambda: chart.png(view), [chart, view.token])
    solara.Image(png, width="100%", classes=["viz-chart"])


@solara.component
def MapPanel(model: AllianceVizModel):
    """The map-like network of the bloc, the members' states, and the intervention controls."""
    update_counter.get()
    view = model.view()
    with solara.Card(style=PANEL, classes=["viz-map"]):
        solara.HTML(tag="div", unsafe_innerHTML=f"<b>The bloc in {long_date(view.date)}</b>")
        Chart(figures.MapChart, view)
        StateChips(view)
        Interventions(model)


@solara.component
def BlocPanel(model: AllianceVizModel):
    """Bloc metrics: this run against the ensemble's median and 90% band."""
    update_counter.get()
    view = model.view()
    with solara.Card(style=PANEL, classes=["viz-bloc"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "<b>Bloc metrics</b> <span style='color:#555'>— this run (solid), ensemble "
                f"median (dashed) and 90% band of {view.ensemble.replicates} runs</span>"
            ),
        )
        Chart(figures.BlocChart, view)


@solara.component
def LoyaltyPanel(model: AllianceVizModel):
    """Each member's loyalty with the engagement ladder's thresholds."""
    update_counter.get()
    view = model.view()
    with solara.Card(style=PANEL, classes=["viz-loyalty"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "<b>Members' loyalty</b> <span style='color:#555'>— shaded: reduced / frozen / "
                "exit zones; markers: this run's state changes; P(exit): share of the ensemble "
                "that has left by the horizon</span>"
            ),
        )
        Chart(figures.LoyaltyChart, view)


@solara.component
def EventLog(model: AllianceVizModel):
    """This run's dated events, newest first; those before the start month are greyed.

    Before the start month come the documented 2022 history, replayed up to it, and the
    sliders' settings.
    """
    update_counter.get()
    view = model.view()
    rows = []
    for event in reversed(view.event_log):
        before = event["date"] < view.start and event["kind"] != "intervention"
        colour = KIND_COLOURS.get(event["kind"], "#333")
        rows.append(
            f'<tr class="viz-event" data-kind="{event["kind"]}" data-subject="{event["subject"]}"'
            f' style="{"color:#888" if before else ""}">'
            f'<td style="white-space:nowrap;padding:2px 10px 2px 0">{event["date"]}</td>'
            f'<td style="white-space:nowrap;padding:2px 10px 2px 0;color:{colour}">'
            f"{KIND_LABELS.get(event['kind'], event['kind'])}</td>"
            f"<td>{html.escape(describe(event))}"
            f"{' <i>(before the start)</i>' if before else ''}</td></tr>"
        )
    with solara.Card(style=PANEL, classes=["viz-log"]):
        solara.HTML(tag="div", unsafe_innerHTML="<b>Event log of this run</b>")
        solara.HTML(
            tag="div",
            style={"max-height": "560px", "overflow-y": "auto", "font-size": "13px"},
            unsafe_innerHTML=(
                '<table style="border-collapse:collapse;width:100%">' + "".join(rows) + "</table>"
            ),
        )


@solara.component
def Dashboard(model: AllianceVizModel):
    """All panels: header; map and members' loyalty on the left; bloc metrics and log right."""
    if getattr(model, "load_error", None):
        solara.Error(model.load_error)
    Header(model)
    with solara.Columns([11, 9], gutters_dense=True):
        with solara.Column(gap="0px"):
            MapPanel(model)
            LoyaltyPanel(model)
        with solara.Column(gap="0px"):
            BlocPanel(model)
            EventLog(model)
