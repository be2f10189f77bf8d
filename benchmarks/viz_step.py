"""Server-side cost of the browser app: one Step, a Reset, an intervention, and the redraw.

    .venv/bin/python benchmarks/viz_step.py [--replicates 200] [--repeat 3]

A Step advances the single run one month (the ensemble band is computed on Reset and after an
intervention); the redraw is what the server does after it: read the view and render the map,
the bloc-metrics chart and the loyalty chart to PNG (static parts drawn once, then blitted).
"""

from __future__ import annotations

import argparse
import statistics
import time

from alliance_sim.core.model import AllianceModel
from alliance_sim.viz import figures
from alliance_sim.viz.model import AllianceVizModel, knob_defaults


def _ms(f) -> float:
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    knob_defaults()  # cached once per server process
    rows: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        model = None

        def reset():
            nonlocal model
            model = AllianceVizModel(
                scenario_name="kyrgyzstan_exit", band_replicates=args.replicates
            )

        rows.setdefault("reset (run + band of R)", []).append(_ms(reset))
        view = model.view()
        charts = {
            "map": figures.MapChart(view),
            "bloc": figures.BlocChart(view),
            "loyalty": figures.LoyaltyChart(view),
        }
        first = {name: _ms(lambda c=chart, v=view: c.png(v)) for name, chart in charts.items()}
        steps, views, draws = [], [], {name: [] for name in charts}
        while model.running:
            steps.append(_ms(model.step))
            views.append(_ms(model.view))
            view = model.view()
            for name, chart in charts.items():
                draws[name].append(_ms(lambda c=chart, v=view: c.png(v)))
        rows.setdefault("first draw of all charts (after Reset)", []).append(sum(first.values()))
        # for comparison: one month of the R-replicate band, were it stepped in lock-step
        band = AllianceModel(**model._kwargs(args.replicates))
        rows.setdefault("band month (R replicates, lock-step)", []).append(
            statistics.median(_ms(band.step) for _ in range(band.months))
        )
        rows.setdefault("step (model only)", []).append(statistics.median(steps))
        rows.setdefault("view snapshot", []).append(statistics.median(views))
        for name, values in draws.items():
            rows.setdefault(f"draw {name} (PNG)", []).append(statistics.median(values))
        rows.setdefault("intervention (rebuild + replay)", []).append(
            _ms(lambda m=model: m.intervene("armenia", "exit"))
        )
    print(f"band replicates: {args.replicates}; medians over {args.repeat} repeats, ms")
    for key, values in rows.items():
        print(f"  {key:34s} {statistics.median(values):8.1f}")
    per_step = sum(
        statistics.median(rows[k]) for k in rows if k.startswith(("step", "view", "draw"))
    )
    print(f"  {'step + redraw (server side)':34s} {per_step:8.1f}")


if __name__ == "__main__":
    main()
