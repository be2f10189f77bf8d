"""Sweep benchmark: a 10,000-point Latin hypercube × 10 replicates, and a 1,000,000-run stream.

Measurements, each in a fresh process (peak RSS is that process's, plus its largest worker's):

* ``model``: the model side alone. One ``AllianceModel`` carries every design point × replicate
  (R = 100,000) through per-replicate override arrays, ``record_members=False``.
* ``chunks``: the same runs as in-process chunks of ~2,048 replicates (the sweep runner's
  default chunk), summarised per point.
* ``api-1`` / ``api-2``: the sweep API (``alliance_sim.sweeps.evaluate``) writing chunked Parquet
  to a temporary folder, in-process and with 2 local worker processes. Skipped, with a note, where
  ``alliance_sim.sweeps`` is not installed.
* ``stream``: 1,000,000 runs (100,000 points × 10 replicates) streamed to disk in chunks of
  100,000 runs, keeping only per-point summary outcomes: wall time and peak RSS (target 2 GiB).
  Through the sweep API when it is there (``--stream-api``), else the model path.

Usage::

    python benchmarks/sweep.py                  # everything (a few minutes)
    python benchmarks/sweep.py --only model chunks
    python benchmarks/sweep.py --points 1000    # a smaller design
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from _measure import Timer, emit, machine, peak_rss_mb, run_child

SCRIPT = "sweep.py"
SPACE = {
    "global.contagion": (0.05, 0.6),
    "china.pull": (0.2, 0.9),
    "armenia.access_west": (0.0, 1.0),
    "kazakhstan.access_china": (0.0, 1.0),
}
SEED = 2026


def design(points: int, seed: int = SEED):
    """A Latin hypercube over :data:`SPACE` (the sweep API's, or scipy's where it is absent)."""
    try:
        from alliance_sim.sweeps import sample

        return sample(SPACE, points, method="lhs", seed=seed)
    except ImportError:
        import pandas as pd
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(SPACE), seed=seed).random(points)
        low = np.array([lo for lo, _ in SPACE.values()])
        high = np.array([hi for _, hi in SPACE.values()])
        return pd.DataFrame(low + unit * (high - low), columns=list(SPACE))


@functools.cache
def _baseline_kwargs() -> dict:
    from alliance_sim.scenarios import load_scenario

    kwargs = load_scenario("baseline").model_kwargs()
    kwargs.pop("seed")
    return kwargs


def run_points(frame, replicates: int, seed: list[int]) -> dict[str, np.ndarray]:
    """Run design points × replicates as one vectorised model; per-point summary outcomes."""
    from alliance_sim import AllianceModel

    kwargs = dict(_baseline_kwargs())
    p = len(frame)
    overrides = dict(kwargs.pop("overrides") or {})
    for key in frame.columns:
        overrides[key] = np.repeat(frame[key].to_numpy(dtype=float), replicates)
    kwargs.update(replicates=p * replicates, seed=seed, overrides=overrides, record_members=False)
    model = AllianceModel(**kwargs)
    model.run_model()
    final = model.final()
    out = {k: final[k].to_numpy().reshape(p, replicates).mean(axis=1) for k in ("integrity",)}
    for m in model.members:
        out[f"p_exit_{m.name}"] = (m.exit_month >= 0).reshape(p, replicates).mean(axis=1)
    return out


def write_parquet_atomically(frame, path: Path) -> None:
    """Write ``frame`` to ``path`` via a temporary file and a rename."""
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def child(kind: str, points: int, replicates: int) -> None:
    """One measurement in this fresh process."""
    import pandas as pd

    result: dict = {}
    if kind in ("model", "chunks"):
        frame = design(points)
        with Timer() as t:
            if kind == "model":
                run_points(frame, replicates, [SEED, 0])
            else:
                per_chunk = max(1, 2048 // replicates)
                for i, start in enumerate(range(0, points, per_chunk)):
                    run_points(frame.iloc[start : start + per_chunk], replicates, [SEED, i])
        result = {"wall": t.wall, "cpu": t.cpu}
    elif kind.startswith("api-"):
        try:
            from alliance_sim.sweeps import evaluate, make_executor
        except ImportError as err:
            emit({"skipped": f"alliance_sim.sweeps not available ({err})"})
            return
        workers = int(kind.split("-")[1])
        frame = design(points)
        with tempfile.TemporaryDirectory() as out, make_executor(workers=workers) as executor:
            with Timer() as t:
                evaluate(
                    frame,
                    "baseline",
                    replicates=replicates,
                    seed=SEED,
                    executor=executor,
                    out=out,
                    collect=False,
                )
            files = list(Path(out).rglob("*.parquet"))
            result = {"wall": t.wall, "cpu": t.cpu, "files": len(files)}
    elif kind in ("stream", "stream-api"):
        frame = design(points)
        with tempfile.TemporaryDirectory() as out:
            with Timer() as t:
                if kind == "stream-api":
                    from alliance_sim.sweeps import evaluate

                    evaluate(
                        frame, "baseline", replicates=replicates, seed=SEED, out=out, collect=False
                    )
                else:
                    per_chunk = max(1, 100_000 // replicates)
                    for i, start in enumerate(range(0, points, per_chunk)):
                        block = frame.iloc[start : start + per_chunk]
                        summary = pd.DataFrame(run_points(block, replicates, [SEED, i]))
                        summary.insert(0, "point", np.arange(start, start + len(block)))
                        write_parquet_atomically(summary, Path(out) / f"chunk-{i:05d}.parquet")
            files = list(Path(out).rglob("*.parquet"))
            rows = sum(len(pd.read_parquet(f)) for f in files if "chunk" in f.name)
            result = {"wall": t.wall, "cpu": t.cpu, "files": len(files), "rows": rows}
    result["peak_rss_mb"] = peak_rss_mb()
    result["children_peak_rss_mb"] = peak_rss_mb(children=True)
    emit(result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--stream-points", type=int, default=100_000)
    parser.add_argument(
        "--only", nargs="+", choices=["model", "chunks", "api-1", "api-2", "stream", "stream-api"]
    )
    parser.add_argument("--pythonpath", help="run the model from this source tree instead")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "P", "R"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, points, replicates = args.child
        child(kind, int(points), int(replicates))
        return 0

    if args.pythonpath:
        sys.path.insert(0, args.pythonpath)
    try:
        import alliance_sim.sweeps  # noqa: F401

        has_api = True
    except ImportError:
        has_api = False
    kinds = args.only or [
        "model",
        "chunks",
        "api-1",
        "api-2",
        "stream-api" if has_api else "stream",
    ]
    runs = args.points * args.replicates
    print(f"machine: {machine()}")
    print(
        f"design: {args.points:,}-point LHS over {', '.join(SPACE)} × {args.replicates} replicates"
    )
    print(f"sweep API (alliance_sim.sweeps): {'present' if has_api else 'absent'}\n")
    labels = {
        "model": f"one model, R={runs:,} (override arrays)",
        "chunks": "in-process chunks of ~2,048 runs",
        "api-1": "sweep API, in-process, Parquet chunks",
        "api-2": "sweep API, 2 worker processes",
        "stream": f"{args.stream_points * args.replicates:,} runs streamed (chunks of 100,000)",
        "stream-api": f"{args.stream_points * args.replicates:,} runs streamed via the sweep API",
    }
    for kind in kinds:
        points = args.stream_points if kind.startswith("stream") else args.points
        res = run_child(SCRIPT, [kind, str(points), str(args.replicates)], args.pythonpath)
        if "skipped" in res:
            print(f"{labels[kind]:<48} skipped: {res['skipped']}")
            continue
        total = points * args.replicates
        extra = f", {res['files']} files" if "files" in res else ""
        workers = (
            f", largest worker {res['children_peak_rss_mb']:.0f} MiB"
            if res["children_peak_rss_mb"] > 1
            else ""
        )
        print(
            f"{labels[kind]:<48} {res['wall']:7.2f} s wall ({res['cpu']:.2f} s CPU in the parent), "
            f"{total / res['wall']:>9,.0f} runs/s, peak RSS {res['peak_rss_mb']:.0f} MiB"
            f"{workers}{extra}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
