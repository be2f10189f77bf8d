"""Reset, ▶/❚❚ and Step for the browser app, with a play interval that is kept.

Mesa's own controller (the "Controls" card of ``SolaraViz``) sleeps the play interval *and then*
steps and redraws, so a month takes the interval plus the redraw; with "Use Threads" it steps in
one thread and redraws in another, so the screen skips months (2023-10 straight to 2024-02) and
a Pause lands months after the click; and its interval slider moves in steps of 10 from 1 (151
for 150). This card replaces it (the page's CSS hides Mesa's card; its Information box stays):

- Step simulates one month and redraws;
- ▶ steps on a fixed schedule (a month every ``interval`` ms, counted from the previous tick, so
  the redraw is part of the interval, not added to it) and redraws every month, in one thread:
  no month is skipped, and ❚❚ stops before the next month;
- the interval slider shows its value in ms;
- the card repeats the month on screen (in a narrow window the sidebar covers the header).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import solara
from mesa.visualization.utils import force_update, update_counter

#: Play interval: default, slowest and fastest (ms) and the slider's step.
PLAY_INTERVAL = 150
INTERVAL_RANGE = (50, 1000, 50)


def play(model: solara.Reactive, playing: solara.Reactive, interval: solara.Reactive) -> None:
    """Step ``model`` every ``interval`` ms while ``playing``; stop at the horizon.

    Each month is drawn before the next is simulated. The schedule counts from the previous
    tick, so a redraw shorter than the interval does not slow the pace; a longer one starts the
    next month at once (no catching up in bursts). ``playing`` is left as it is at the horizon:
    set from this task's own thread, it would restart the task in the middle of the redraw.
    """
    due = time.perf_counter()
    while playing.value and model.value.running:
        model.value.step()
        force_update()
        due += interval.value / 1000
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        else:
            due = time.perf_counter()


@solara.component
def Controls(model: solara.Reactive, make_model: Callable[[], object]):
    """The controls card: Reset (a new model from the sidebar's inputs), ▶/❚❚, Step, interval."""
    update_counter.get()
    playing = solara.use_reactive(False)
    interval = solara.use_reactive(PLAY_INTERVAL)
    running = bool(model.value.running)
    playing_now = playing.value and running  # the player stops by itself at the horizon

    def run_player():
        if playing.value:
            play(model, playing, interval)

    solara.lab.use_task(run_player, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        if model.value.running:
            model.value.step()
            force_update()

    def reset() -> None:
        playing.set(False)
        model.set(make_model())

    low, high, step_ms = INTERVAL_RANGE
    view = model.value.view()
    with solara.Card("Controls", classes=["viz-controls"]):
        # the month on screen, here too: in a narrow window the sidebar covers the header
        solara.HTML(
            tag="div",
            classes=["viz-controls-date"],
            style={"font-size": "15px", "margin": "-8px 0 8px 0"},
            unsafe_innerHTML=(
                f"<b>{view.date}</b> "
                f'<span class="viz-muted">· month {view.step} of {view.months}</span>'
            ),
        )
        with solara.Row(justify="space-between"):
            solara.Button(label="Reset", color="primary", on_click=reset)
            solara.Button(
                label="❚❚" if playing_now else "▶",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                disabled=not running,
            )
            solara.Button(
                label="Step", color="primary", on_click=step, disabled=playing_now or not running
            )
        solara.HTML(
            tag="div",
            classes=["viz-slider-label", "viz-interval"],
            style={"font-size": "14px", "margin-top": "10px"},
            unsafe_innerHTML=(
                f'Play interval: <span class="viz-value">{interval.value}</span> '
                '<span class="viz-muted">ms a month</span>'
            ),
        )
        solara.SliderInt(
            "",
            value=interval.value,
            min=low,
            max=high,
            step=step_ms,
            on_value=interval.set,
            thumb_label=False,
        )
        solara.HTML(
            tag="div",
            classes=["viz-help"],
            unsafe_innerHTML=(
                "▶ shows every month, one per interval (longer if the charts need longer to "
                "draw); ❚❚ stops before the next month."
            ),
        )
