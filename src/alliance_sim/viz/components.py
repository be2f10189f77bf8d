"""Solara components of the browser app; the live ones read Mesa's ``update_counter``.

Only what changes month by month is redrawn on Step: the header, the charts' data, the map's
heading, the state chips and the event log; panels, headings, the intervention and compare
controls are redrawn when their own inputs change (with reacton's fast renderer, which skips
unchanged subtrees; see ``app.py``).

Every component takes the session's :class:`~alliance_sim.viz.model.AllianceVizModel` and draws
from one :meth:`~alliance_sim.viz.model.AllianceVizModel.view`, so a panel never mixes two
months.
"""

from __future__ import annotations

import html
import io

import solara
from mesa.visualization.utils import force_update, update_counter

from .. import summary
from . import charts, figures
from .model import (
    ACTIONS,
    METRICS,
    TYPICAL_OF,
    AllianceVizModel,
    EnsembleSummary,
    View,
    band_source,
    scenario_names,
    seed_text,
)
from .settings import BAND_SIZES, HELP, KNOBS, LABELS, pending_changes
from .text import METRIC_HELP, METRIC_LABELS, P_EXIT_HELP, describe, human, merge_duplicates
from .vega import VegaView

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
    "intervention": "#8e24aa",
    "article4_request": "#ef6c00",
    "border_clash": "#c62828",
}
STATE_CHIP = {
    "active": "#2e7d32",
    "reduced": "#ef8f00",
    "frozen": "#7b5ea7",
    "exited": "#d32f2f",
}
PANEL = {"padding": "8px 12px", "margin": "6px 0", "min-width": "0"}

#: Page styles: stacking below 1000 px, readable dark theme, Solara's banner out of the way.
CSS = """
.viz-grid { display: grid; grid-template-columns: minmax(0, 11fr) minmax(0, 10fr); gap: 0 12px; }
@media (max-width: 1000px) { .viz-grid { grid-template-columns: minmax(0, 1fr); } }
.viz-grid > * { min-width: 0; }
.viz-muted { opacity: 0.75; }
div:has(> .v-card .viz-params) { display: flex; flex-direction: column; }
.v-card:has(.viz-params) { order: 1; }
.viz-help { font-size: 12px; opacity: 0.75; margin: 0 0 8px 0; line-height: 1.3; }
.viz-params .v-input__slider { margin-top: 0; }
.viz-params .v-messages { display: none; }
.viz-chart, .viz-chart img, .viz-vega { max-width: 100%; }
.viz-vega { width: 100%; overflow: hidden; }
.viz-vega .vega-embed { display: block; width: 100%; padding-right: 0 !important; }
/* charts scale to their panel: smaller in a narrow window, larger on a wide one */
.viz-vega .vega-embed svg.marks { width: 100% !important; height: auto !important; }
.viz-vega .vega-embed summary { opacity: 0.6; }
/* the map's ⋯ menu at its bottom right, off the loyalty legend */
.viz-map-chart .vega-embed summary { top: auto; bottom: 0; }
.viz-map-chart .vega-embed .vega-actions { top: auto; bottom: 38px; }
.theme--dark .viz-vega svg {
  filter: invert(0.9) hue-rotate(180deg);
}
.viz-log table td { vertical-align: top; }
.viz-badge { border: 1px solid #ef6c00; border-radius: 6px; padding: 4px 10px; margin: 4px 0;
  background: rgba(239, 108, 0, 0.10); font-size: 13px; }
.viz-end { border: 1px solid #2e7d32; border-radius: 6px; padding: 4px 10px; margin: 4px 0;
  background: rgba(46, 125, 50, 0.12); font-size: 14px; font-weight: 600; }
.viz-hint { font-size: 14px; font-weight: 600; color: #1f4e99; }
.theme--dark .viz-hint { color: #8fb4ff; }
.viz-value { font-weight: 600; }
/* Solara's "This website runs on Solara" line: at the end of the page, not over the content */
div:has(> b > a[href="https://solara.dev"]) { position: static !important; text-align: right;
  font-size: 11px; opacity: 0.6; }
/* Mesa's Controls card (play/render interval, Use Threads, its buttons) gives way to the app's
   own (viz/controls.py), which comes first in the sidebar */
.v-card:has(.v-input--checkbox):has(.v-slider):not(:has(.viz-controls)) { display: none; }
div:has(> .v-card .viz-controls) { display: flex; flex-direction: column; }
.v-card.viz-controls, .v-card:has(> .viz-controls) { order: -1; }
/* Mesa's "Model Parameters" card is empty here: the app's own inputs have their own card */
.v-navigation-drawer .v-card:has(> .v-card__text > .v-sheet.d-flex:empty) { display: none; }
"""


def long_date(month: str) -> str:
    """``2023-01`` as ``January 2023``."""
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]} {year}"


def outlook(view: View) -> str:
    """The ensemble at the horizon in one line: metric medians with 90% intervals, who is out."""
    band = view.ensemble
    parts = []
    for key in METRICS:
        if key == "capacity":
            continue
        low, mid, high = band.metrics[key][-1]
        parts.append(
            f'<span title="{html.escape(METRIC_HELP.get(key, ""))}">{METRIC_LABELS[key]} '
            f"<b>{mid:.2f}</b> ({low:.2f}–{high:.2f})</span>"
        )
    leaving = [
        f"{human(name)} {charts.share_text(share, band.replicates)}"
        for name, share in sorted(band.exit_share.items(), key=lambda kv: -kv[1])
        if share >= 0.01
    ]
    out = (
        f'<span title="{html.escape(P_EXIT_HELP)}">P(out at horizon): '
        + (", ".join(leaving) if leaving else f"none (< 1/{band.replicates} each)")
        + "</span>"
    )
    return (
        f"Ensemble at {view.end} (median, 90% interval over {band.replicates} runs — "
        "Monte Carlo noise and the calibrated posterior's parameter uncertainty): "
        + " · ".join(parts)
        + f" · {out}"
    )


# ------------------------------------------------------------------------------ parameters
def _slider_label(label: str, value: str, unit: str, name: str) -> None:
    solara.HTML(
        tag="div",
        classes=["viz-slider-label"],
        style={"font-size": "14px", "margin-top": "6px"},
        unsafe_innerHTML=(
            f'{html.escape(label)}: <span class="viz-value">{value}</span> '
            f'<span class="viz-muted">{html.escape(unit)}</span>'
        ),
    )


@solara.component
def ParameterPanel(pending: solara.Reactive[dict], applied: dict):
    """The model's inputs with their values, units and help; they apply on Reset."""
    values = pending.value

    def set_(name):
        return lambda v: pending.set({**pending.value, name: v})

    solara.Select(
        label=LABELS["scenario_name"],
        value=values["scenario_name"],
        values=scenario_names(),
        on_value=set_("scenario_name"),
    )
    solara.HTML(tag="div", classes=["viz-help"], unsafe_innerHTML=HELP["scenario_name"])
    solara.InputText(
        label="Seed (blank: the scenario's)", value=values["seed"], on_value=set_("seed")
    )
    solara.HTML(tag="div", classes=["viz-help"], unsafe_innerHTML=HELP["seed"])
    for name, knob in KNOBS.items():
        value = float(values[name])
        _slider_label(LABELS[name], f"{value:.2f}", knob.unit, name)
        solara.SliderFloat(
            "",
            value=value,
            min=knob.low,
            max=knob.high,
            step=knob.step,
            on_value=set_(name),
            thumb_label=False,
        )
        solara.HTML(
            tag="div",
            classes=["viz-help"],
            unsafe_innerHTML=html.escape(knob.help),
        )
    low, high, step = BAND_SIZES
    _slider_label(LABELS["band_replicates"], str(int(values["band_replicates"])), "runs", "band")
    solara.SliderInt(
        "",
        value=int(values["band_replicates"]),
        min=low,
        max=high,
        step=step,
        on_value=set_("band_replicates"),
        thumb_label=False,
    )
    solara.HTML(tag="div", classes=["viz-help"], unsafe_innerHTML=HELP["band_replicates"])
    PendingBadge(pending.value, applied)


@solara.component
def PendingBadge(pending: dict, applied: dict):
    """What the sidebar holds that the model on screen does not yet use (until Reset)."""
    changes = pending_changes(applied, pending)
    if not changes:
        return
    items = "".join(f"<li>{html.escape(c)}</li>" for c in changes)
    solara.HTML(
        tag="div",
        classes=["viz-badge"],
        unsafe_innerHTML=(
            "<b>Unapplied: press Reset</b> — the run on screen still uses the old values:"
            f'<ul style="margin:2px 0 0 0">{items}</ul>'
        ),
    )


# ------------------------------------------------------------------------------ header
@solara.component
def Header(model: AllianceVizModel, pending: dict):
    """The month on screen, the scenario, a begin/end signal, pending changes, the outlook."""
    update_counter.get()
    view = model.view()
    scenario = model.alliance_scenario
    with solara.Card(style=PANEL, classes=["viz-header"]):
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap", "gap": "4px 18px"}):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<span class="viz-date" style="font-size:26px;font-weight:600">'
                    f"{view.date}</span>"
                    f'<span class="viz-muted" style="font-size:15px;margin-left:10px">'
                    f'{long_date(view.date)} · <span class="viz-month">month {view.step} of '
                    f"{view.months}</span></span>"
                ),
            )
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<span class="viz-scenario" style="font-size:15px;font-weight:600">'
                    f"{html.escape(scenario.name)}</span>"
                    f'<span class="viz-muted" style="margin-left:8px">'
                    f"{html.escape(scenario.description.strip())}</span>"
                ),
            )
        if view.step == 0:
            solara.HTML(
                tag="div",
                classes=["viz-hint"],
                unsafe_innerHTML=(
                    f"Press Step or ▶ to begin: the run starts in {long_date(view.start)} "
                    f"and ends in {long_date(view.end)}."
                ),
            )
        elif not view.running:
            solara.HTML(
                tag="div",
                classes=["viz-end"],
                unsafe_innerHTML=(
                    f"End of the run: {long_date(view.end)} reached ({view.months} months). "
                    "Reset to start again; export or pin the result below."
                ),
            )
        PendingBadge(pending, model.applied)
        solara.HTML(
            tag="div",
            classes=["viz-outlook"],
            style={"font-size": "14px", "margin": "2px 0"},
            unsafe_innerHTML=outlook(view),
        )
        settings = ", ".join(f"{LABELS[k]} = {v:g}" for k, v in model.settings.items())
        solara.HTML(
            tag="div",
            classes=["viz-settings", "viz-muted"],
            style={"font-size": "13px"},
            unsafe_innerHTML=(
                f"Seed {model.seed_used} · band: {band_source(view.ensemble.replicates)} · "
                f'<span class="viz-typical">this run: the most typical of {TYPICAL_OF} runs '
                "drawn with this seed (longest inside the band, then closest to the median), "
                "run seed "
                f"{seed_text(model.run_seed)}</span> · "
                + (
                    f"sliders in force: {html.escape(settings)}"
                    if settings
                    else "sliders at the scenario's values"
                )
                + (f" · {len(model.interventions)} intervention(s)" if model.interventions else "")
            ),
        )


@solara.component
def StateChips(model: AllianceVizModel):
    """Each member's engagement state as text (also what the browser tests read)."""
    update_counter.get()
    view = model.view()
    chips = []
    for name in view.members:
        state = view.states[name]
        chips.append(
            f'<span class="viz-state" data-member="{name}" data-state="{state}" '
            f'style="display:inline-block;margin:2px 6px 2px 0;padding:1px 8px;'
            f"border-radius:10px;border:1px solid {STATE_CHIP[state]};"
            f'color:{STATE_CHIP[state]};font-size:13px">{human(name)}: {state}</span>'
        )
    solara.HTML(tag="div", classes=["viz-states"], unsafe_innerHTML="".join(chips))


@solara.component
def Interventions(model: AllianceVizModel, on_change=None):
    """Force a member to exit, freeze or rejoin in the month on screen.

    Redrawn only when a member's state changes or the run begins, not every month.
    """
    update_counter.get()
    view = model.view()
    ready = model.run.date >= model.run.clock_start
    _InterventionControls(model, tuple(view.states.items()), ready, on_change)


@solara.component
def _InterventionControls(model: AllianceVizModel, states: tuple, ready: bool, on_change=None):
    members = [m for m in model.members if m != model.run.hegemon.name]
    choice, set_choice = solara.use_state(members[-2] if len(members) > 1 else members[0])
    if choice not in members:
        choice = members[0]

    def act(action: str) -> None:
        model.intervene(choice, action)
        force_update()
        if on_change is not None:
            on_change()

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
    if not ready:
        solara.HTML(tag="div", classes=["viz-help"], unsafe_innerHTML="Step first to intervene.")


@solara.component
def Vega(kind, view: View, pinned: EnsembleSummary | None, css: str):
    """An interactive Vega-Lite chart; its template is rebuilt only when a band changes.

    The widget is created outside the element tree and its datasets are set directly: given
    as element arguments, the spec and the rows would be walked and copied by the renderer on
    every month (thousands of nested values).
    """
    pin = None if pinned is None else pinned.token

    def build():
        if kind is charts.LoyaltyChart:
            return charts.LoyaltyChart(view, figures.thresholds(), pinned)
        if kind is charts.MapChart:
            return charts.MapChart(view)
        return kind(view, pinned)

    chart = solara.use_memo(build, [kind, view.ensemble.token, pin])
    data = solara.use_memo(lambda: {**chart.data(view), "_version": view.step}, [chart, view.token])
    widget = solara.use_memo(lambda: VegaView(spec=chart.template, datasets=data), [chart])

    def show_data():
        if widget.datasets is not data:
            widget.datasets = data

    def close_widget():
        return widget.close

    solara.use_effect(show_data, [widget, data])
    solara.use_effect(close_widget, [widget])
    solara.Div(classes=["viz-vega", css], children=[widget])


@solara.component
def LiveVega(model: AllianceVizModel, kind, pinned: EnsembleSummary | None, css: str):
    """:func:`Vega` of the month on screen (the panel around it is not redrawn every month)."""
    update_counter.get()
    Vega(kind, model.view(), pinned, css)


@solara.component
def MapTitle(model: AllianceVizModel):
    """The map's heading with the month on screen."""
    update_counter.get()
    solara.HTML(tag="div", unsafe_innerHTML=f"<b>The bloc in {long_date(model.date)}</b>")


@solara.component
def MapPanel(model: AllianceVizModel, on_change=None):
    """The map-like network of the bloc, the members' states, and the intervention controls."""
    with solara.Card(style=PANEL, classes=["viz-map"]):
        MapTitle(model)
        LiveVega(model, charts.MapChart, None, "viz-map-chart")
        StateChips(model)
        Interventions(model, on_change=on_change)


def _metric_help_html() -> str:
    items = "".join(
        f"<li><b>{METRIC_LABELS[k]}</b>: {html.escape(METRIC_HELP.get(k, ''))}</li>"
        for k in METRICS
    )
    return f'<ul class="viz-help viz-metric-help" style="margin:4px 0 0 0">{items}</ul>'


@solara.component
def BlocPanel(model: AllianceVizModel, pinned: EnsembleSummary | None):
    """Bloc metrics: this run against the ensemble's median and 90% band (and a pinned band)."""
    with solara.Card(style=PANEL, classes=["viz-bloc"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "<b>Bloc metrics</b> <span class='viz-muted'>— this run (solid, dots), ensemble "
                f"median (dashed) and 90% band of {model.band_replicates} runs (parameter sets "
                "from the calibrated posterior)"
                + (" · orange: the pinned reference" if pinned is not None else "")
                + " · purple rules: documented events and your interventions. Hover for values;"
                " ⋯ saves a PNG.</span>"
            ),
        )
        LiveVega(model, charts.BlocChart, pinned, "viz-bloc-chart")
        with solara.Details("What the metrics mean"):
            solara.HTML(tag="div", unsafe_innerHTML=_metric_help_html())


@solara.component
def LoyaltyPanel(model: AllianceVizModel, pinned: EnsembleSummary | None):
    """Each member's loyalty with the engagement ladder's thresholds."""
    with solara.Card(style=PANEL, classes=["viz-loyalty"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "<b>Members' loyalty</b> <span class='viz-muted'>— shaded: reduce / freeze / "
                "exit zones of the ladder; label: state now and "
                f'<span class="viz-pexit" title="{html.escape(P_EXIT_HELP)}" '
                'style="text-decoration:underline dotted">P(out)</span> = P(out at horizon), '
                "the share of the ensemble out of the bloc in its last month</span>"
            ),
        )
        LiveVega(model, charts.LoyaltyChart, pinned, "viz-loyalty-chart")


@solara.component
def EventLog(model: AllianceVizModel):
    """This run's dated events in plain words, newest first; identical rows merged.

    Before the start month come the documented 2022 history, replayed up to it, and the
    sliders' settings (greyed); interventions are never greyed.
    """
    update_counter.get()
    view = model.view()
    rows = []
    for event in reversed(merge_duplicates(view.event_log)):
        before = event["date"] < view.start and event["kind"] != "intervention"
        colour = KIND_COLOURS.get(event["kind"], "inherit")
        times = f" (×{event['times']})" if event["times"] > 1 else ""
        rows.append(
            f'<tr class="viz-event" data-kind="{event["kind"]}" data-subject="{event["subject"]}"'
            f' style="{"opacity:0.55" if before else ""}">'
            f'<td style="white-space:nowrap;padding:2px 10px 2px 0">{event["date"]}</td>'
            f'<td style="padding:2px 10px 2px 0;color:{colour}">'
            f"{KIND_LABELS.get(event['kind'], event['kind'])}</td>"
            f"<td>{html.escape(describe(event))}{times}"
            f"{' <i>(history before the start)</i>' if before else ''}</td></tr>"
        )
    with solara.Card(style=PANEL, classes=["viz-log"]):
        solara.HTML(tag="div", unsafe_innerHTML="<b>Event log of this run</b>")
        solara.HTML(
            tag="div",
            style={"max-height": "460px", "overflow-y": "auto", "font-size": "13px"},
            unsafe_innerHTML=(
                '<table style="border-collapse:collapse;width:100%">' + "".join(rows) + "</table>"
            ),
        )


# ------------------------------------------------------------------------------ compare, export
def differences_html(pinned: EnsembleSummary, current: EnsembleSummary) -> str:
    """Paired end-of-run differences, now minus pinned, as ``alliance-sim compare`` has them.

    Pairing needs the same seed and ensemble size; otherwise it says why there is no table.
    """
    if pinned.seed != current.seed or pinned.replicates != current.replicates:
        return (
            "<i>Not paired: the pinned band used seed "
            f"{pinned.seed} with {pinned.replicates} runs, this one seed {current.seed} with "
            f"{current.replicates}. Use the same seed and ensemble size to compare.</i>"
        )
    table = summary.paired_differences(pinned.final, current.final, tuple(METRICS))
    rows = "".join(
        f"<tr><td>{METRIC_LABELS[r.metric]}</td><td>{r.reference:.3f}</td>"
        f"<td>{r.scenario_median:.3f}</td><td><b>{r.diff_median:+.3f}</b></td>"
        f"<td>{r.diff_q05:+.3f} – {r.diff_q95:+.3f}</td><td>{r.p_lower:.0%}</td></tr>"
        for r in table.itertuples()
    )
    return (
        '<table class="viz-diff" style="border-collapse:collapse;font-size:13px">'
        "<tr><th align=left>metric at the horizon</th><th>pinned</th><th>now</th>"
        "<th>paired difference</th><th>90% interval</th><th>P(lower)</th></tr>"
        f"{rows}</table><div class='viz-help'>Replicate by replicate (same seed: same draws), "
        "as <code>alliance-sim compare</code> reports; the interval holds 90% of the paired "
        "differences (Monte Carlo and posterior parameter uncertainty).</div>"
    )


@solara.component
def ComparePanel(model: AllianceVizModel, pinned: solara.Reactive):
    """Pin this run's band as a reference; the charts overlay it and the paired differences show.

    Redrawn when the band changes (Reset, an intervention) or a band is pinned, not every month.
    """
    update_counter.get()
    _CompareCard(model, pinned, model.band)


@solara.component
def _CompareCard(model: AllianceVizModel, pinned: solara.Reactive, band: EnsembleSummary):
    with solara.Card(style=PANEL, classes=["viz-compare"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "8px"}):
            solara.HTML(tag="b", unsafe_innerHTML="Compare")
            solara.Button(
                "Pin as reference",
                small=True,
                outlined=True,
                on_click=lambda: pinned.set(
                    (band, f"{model.scenario_name}, seed {model.seed_used}")
                ),
            )
            if pinned.value is not None:
                solara.Button("Unpin", small=True, text=True, on_click=lambda: pinned.set(None))
        if pinned.value is None:
            solara.HTML(
                tag="div",
                classes=["viz-help"],
                unsafe_innerHTML=(
                    "Pin the band on screen, then change the scenario, sliders or interventions "
                    "(and Reset): the pinned band stays on the charts in orange."
                ),
            )
        else:
            reference, label = pinned.value
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"Pinned: {html.escape(label)} ({reference.replicates} runs)<br>"
                + differences_html(reference, band),
            )


def _csv(frame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _parquet(frame) -> bytes:
    out = io.BytesIO()
    frame.to_parquet(out, index=False)
    return out.getvalue()


@solara.component
def ExportPanel(model: AllianceVizModel):
    """Downloads: this run and the band as CSV or Parquet (charts: Vega's own PNG export).

    The files are built when clicked; the panel itself does not change month by month (the
    file names carry no month), so stepping sends nothing for it.
    """
    stem = f"{model.scenario_name}-seed{model.seed_used}"
    with solara.Card(style=PANEL, classes=["viz-export"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "6px"}):
            solara.HTML(tag="b", unsafe_innerHTML="Export")
            solara.FileDownload(
                lambda: _csv(model.run_frame()),
                filename=f"{stem}-run.csv",
                label="This run (CSV)",
                mime_type="text/csv",
            )
            solara.FileDownload(
                lambda: _parquet(model.run_frame()),
                filename=f"{stem}-run.parquet",
                label="Parquet",
            )
            solara.FileDownload(
                lambda: _csv(model.band.frame()),
                filename=f"{stem}-band.csv",
                label="Band (CSV)",
                mime_type="text/csv",
            )
        solara.HTML(
            tag="div",
            classes=["viz-help"],
            unsafe_innerHTML=(
                "Run: one row per month so far (bloc metrics, loyalty and state of each member). "
                "Band: 5%, median and 95% of each bloc metric per month. Map and charts: their ⋯ "
                "menu → Save as PNG (or SVG)."
            ),
        )


@solara.component
def Dashboard(
    model: AllianceVizModel,
    pending: dict,
    pinned: solara.Reactive,
    on_change=None,
):
    """All panels: header; map and members' loyalty; bloc metrics, compare, export and log.

    Two columns from 1000 px on, one below.
    """
    band = None if pinned.value is None else pinned.value[0]
    if getattr(model, "load_error", None):
        solara.Error(model.load_error)
    Header(model, pending)
    with solara.Div(classes=["viz-grid"]):
        with solara.Div():
            MapPanel(model, on_change=on_change)
            LoyaltyPanel(model, band)
        with solara.Div():
            BlocPanel(model, band)
            ComparePanel(model, pinned)
            ExportPanel(model)
            EventLog(model)
