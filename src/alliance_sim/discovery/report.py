"""The discovery section of a report (Markdown or an HTML fragment) and the folder it lives in.

:func:`render_section` returns the section as a string so that a run report can include it;
:func:`write_folder` writes the tables, figures and the section into a results folder.
"""

from __future__ import annotations

import html
import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .analysis import Discovery

#: Figure name -> file name inside the discovery folder.
FIGURES = {
    "tradeoff": "tradeoff.png",
    "box": "box.png",
    "cart": "cart.png",
    "scores": "feature_scores.png",
}
#: Table name -> file name inside the discovery folder.
TABLES = {
    "peeling": "peeling.csv",
    "box": "box.csv",
    "resampling": "resampling.csv",
    "cart": "cart.csv",
    "scores": "feature_scores.csv",
}
_CAPTIONS = {
    "tradeoff": "PRIM peeling trajectory: each point is a box, from the whole space (right) to "
    "the smallest box (top left); colour = number of restricted parameters; red ring = the box "
    "reported.",
    "box": "The reported box: each restricted parameter's range within its sampled range, with "
    "the quasi-p-value of each restriction in brackets.",
    "cart": "CART's tree: samples = share of all points in the node; value = [share of "
    "other points, share of cases].",
    "scores": "Extra-trees feature scores for the yes/no outcome and for the outcome column "
    "itself.",
}


def _fmt(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if col.startswith("qp_"):
            out[col] = [("–" if pd.isna(v) else f"{v:.2g}") for v in out[col]]
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: f"{v:.3g}")
    return out


def _markdown_table(frame: pd.DataFrame) -> str:
    frame = _fmt(frame)
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.to_numpy()]
    return "\n".join([head, rule, *rows])


def render_section(
    d: Discovery, fmt: str = "markdown", figures: dict[str, str] | None = None
) -> str:
    """The discovery section for an outcome.

    Args:
        d: The discovery result.
        fmt: ``markdown`` or ``html`` (an HTML fragment: a ``<section>`` element).
        figures: Figure name -> path (relative to the document) of the PNGs to show.

    Raises:
        ValueError: For an unknown format.
    """
    figures = figures or {}
    blocks: list[tuple[str, str | pd.DataFrame]] = [
        ("p", d.summary()),
        ("p", _method_note(d)),
        ("h", "Box restrictions (quasi-p-values: small = the restriction matters)"),
        ("t", d.box),
        ("fig", "box"),
        ("fig", "tradeoff"),
        (
            "h",
            f"Reproducibility: % of {len(getattr(d._prim_box, '_resampled', [])) or 'the'} "
            "PRIM reruns on random halves that restrict each parameter",
        ),
        ("t", d.resampling),
        ("h", "CART leaves (a second view)"),
        ("t", d.cart.head(8)),
        ("fig", "cart"),
        ("h", "Feature scores"),
        ("t", d.scores),
        ("fig", "scores"),
    ]
    title = f"Scenario discovery: {d.outcome.label}"
    if fmt == "markdown":
        out = [f"## {title}", ""]
        for kind, body in blocks:
            if kind == "p":
                out += [str(body), ""]
            elif kind == "h":
                out += [f"### {body}", ""]
            elif kind == "t":
                out += [_markdown_table(body), ""]
            elif body in figures:
                out += [f"![{_CAPTIONS[body]}]({figures[body]})", "", f"*{_CAPTIONS[body]}*", ""]
        return "\n".join(out)
    if fmt == "html":
        out = [f'<section class="discovery">\n<h2>{html.escape(title)}</h2>']
        for kind, body in blocks:
            if kind == "p":
                out.append(f"<p>{html.escape(str(body))}</p>")
            elif kind == "h":
                out.append(f"<h3>{html.escape(str(body))}</h3>")
            elif kind == "t":
                out.append(_fmt(body).to_html(index=False, border=0, escape=True))
            elif body in figures:
                src, caption = html.escape(figures[body]), html.escape(_CAPTIONS[body])
                out.append(
                    f'<figure><img src="{src}" alt="{caption}">'
                    f"<figcaption>{caption}</figcaption></figure>"
                )
        out.append("</section>")
        return "\n".join(out)
    raise ValueError(f"unknown format {fmt!r}; valid: markdown, html")


def _method_note(d: Discovery) -> str:
    dropped = f" Left out (constant in the design): {', '.join(d.dropped)}." if d.dropped else ""
    return (
        f"Method: PRIM, CART and extra-trees feature scores from EMA Workbench over the "
        f"{len(d.inputs)} sampled parameters ({', '.join(d.inputs)}); each design point's "
        f"outcome is an estimated probability over its replicates, so points near the "
        f"threshold are classified with Monte Carlo noise. Seed {d.seed}.{dropped}"
    )


def write_folder(d: Discovery, folder: Path, overwrite: bool = False) -> dict[str, Path]:
    """Write the discovery's tables, figures and section into ``folder`` (whole, atomically).

    Raises:
        FileExistsError: When ``folder`` exists and ``overwrite`` is false.
    """
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise FileExistsError(f"{folder} exists; pass --overwrite to replace it")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for name, frame in d.to_frames().items():
            frame.to_csv(tmp / TABLES[name], index=False)
        d.plot_tradeoff(tmp / FIGURES["tradeoff"])
        d.plot_box(tmp / FIGURES["box"])
        d.plot_cart(tmp / FIGURES["cart"])
        d.plot_scores(tmp / FIGURES["scores"])
        (tmp / "discovery.md").write_text(d.section("markdown", FIGURES), encoding="utf-8")
        (tmp / "discovery.html").write_text(d.section("html", FIGURES), encoding="utf-8")
        meta = {
            "outcome": d.outcome.expression,
            "column": d.outcome.column,
            "points": d.points,
            "cases": d.cases,
            "box": d.box_stats.to_dict(),
            "inputs": d.inputs,
            "seed": d.seed,
        }
        (tmp / "discovery.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {name: folder / f for name, f in {**TABLES, **FIGURES}.items()} | {
        "markdown": folder / "discovery.md",
        "html": folder / "discovery.html",
    }
