"""Gather what a folder holds into the report's context and render the Jinja2 template."""

from __future__ import annotations

import base64
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import summary
from ..core.parameters import load_parameters

#: The report's file name inside a folder.
REPORT_FILE = "report.html"

#: Captions of the figures runs, comparisons and sweeps write, by file name.
CAPTIONS = {
    "bloc_metrics.png": "Bloc metrics month by month: the line is the median replicate, the "
    "darker band holds the middle 50% of replicates and the lighter band the middle 90% "
    "(Monte Carlo and parameter uncertainty together: each replicate draws its own "
    "parameters). Dotted lines mark the scenario's events.",
    "member_loyalty.png": "Each member's loyalty with the same 50% and 90% bands; dashed lines "
    "are the thresholds below which a member reduces, freezes or leaves.",
    "engagement_states.png": "Share of replicates in which each member is active, reduced, "
    "frozen or out of the bloc, month by month.",
    "freeze_exit_probability.png": "Cumulative probability that each member has frozen (or "
    "left), and that it has left, by each month: share of replicates.",
    "member_timeline.png": "Replicate 0, one example run: each member's engagement month by "
    "month, with the documented events, the scenario's interventions and state changes.",
    "network.png": "Relations between the states at the end of the run (replicate median): "
    "line width is the strength of the relation, colour its sign.",
    "map.png": "The members on a map, coloured by their most likely state at the end of the run.",
    "compare.png": "Levels of each metric per scenario (median and middle 50% of replicates) "
    "and, below, each scenario's difference from the reference in the same replicate (median "
    "and middle 90% of paired differences).",
    "plot.png": "The sweep's figure: outcome over the design (see the title for the band or "
    "the interval shown).",
}

#: Columns the report reads from a run's summary_members.csv and summary_bloc.csv.
MEMBER_COLUMNS = (
    "member",
    "p_active",
    "p_reduced",
    "p_frozen",
    "p_exited",
    "n_exits",
    "median_exit",
)
BLOC_COLUMNS = ("metric", "median", "q05", "q95")
#: Columns the report reads from a comparison's differences.csv and member_differences.csv.
DIFFERENCE_COLUMNS = (
    "scenario",
    "metric",
    "reference",
    "scenario_median",
    "diff_median",
    "diff_q05",
    "diff_q95",
    "p_lower",
)
MEMBER_DIFFERENCE_COLUMNS = (
    "scenario",
    "member",
    "outcome",
    "reference",
    "scenario_p",
    "diff",
    "diff_lo",
    "diff_hi",
)

#: Document file names -> full citations (the documents are not in the repository).
CITATION_FALLBACK = "source document"


class ReportError(ValueError):
    """The folder is not a run, comparison or sweep folder, or a file in it is damaged."""


@dataclass
class Table:
    """A display table: title, frame of text cells, notes, and the file stem of its exports."""

    title: str
    frame: pd.DataFrame
    stem: str
    notes: list[str] = field(default_factory=list)

    def html(self) -> str:
        """The table as HTML (cells escaped)."""
        return self.frame.to_html(index=False, border=0, classes="table", escape=True)


@dataclass
class Figure:
    """An embedded figure: data URI, caption, file name."""

    name: str
    uri: str
    caption: str


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not UTF-8 text (damaged?)") from None


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object from the folder ({} when the file is absent).

    Raises:
        ReportError: For a damaged file, naming it and the line.
    """
    if not path.is_file():
        return {}
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as err:
        raise ReportError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}:1: expected a JSON object, found {type(data).__name__}")
    return data


def _read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from the folder ({} when the file is absent or not a mapping).

    Raises:
        ReportError: For a damaged file, naming it and the line.
    """
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(err, "problem", None) or "cannot be parsed"
        raise ReportError(f"{where}: not valid YAML ({problem})") from None
    return data if isinstance(data, dict) else {}


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A table the folder holds, with the columns the report needs.

    Raises:
        ReportError: For a file that cannot be read as CSV or lacks a column, naming it.
    """
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        problem = " ".join(str(err).split())
        raise ReportError(f"{path}: not a readable CSV table ({problem})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReportError(
            f"{path}:1: missing column(s) {', '.join(missing)} (damaged, or not written by "
            "alliance-sim)"
        )
    return frame


class _Damaged:
    """Turn a bad value met while tabulating ``path`` into a :class:`ReportError`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, err: BaseException | None, tb: Any) -> None:
        if isinstance(err, KeyError | TypeError | ValueError | AttributeError) and not isinstance(
            err, ReportError
        ):
            problem = " ".join(str(err).split())
            raise ReportError(f"{self.path}: unexpected content ({problem})") from None


def _figure(path: Path) -> Figure:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    caption = CAPTIONS.get(path.name, path.stem.replace("_", " ").capitalize() + ".")
    return Figure(path.name, f"data:image/png;base64,{data}", caption)


def _citations() -> dict[str, str]:
    docs = load_parameters().documents
    return {name[:3]: citation for name, citation in docs.items()}


def _evidence(scenario: dict[str, Any]) -> list[dict[str, str]]:
    """Quoted evidence as (document citation, quote) pairs; ``000: text`` names its document."""
    raw = scenario.get("evidence") or []
    items = [raw] if isinstance(raw, str) else list(raw)
    cites = _citations()
    out = []
    for item in items:
        text = str(item)
        head, sep, rest = text.partition(":")
        if sep and head.strip() in cites:
            out.append({"source": f"{head.strip()} — {cites[head.strip()]}", "quote": rest.strip()})
        else:
            out.append({"source": "", "quote": text})
    return out


def _assumptions(scenario: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parameter overrides and events in force, as display frames."""
    params = scenario.get("parameters") or {}
    overrides = pd.DataFrame(
        [
            {"parameter": f"{entity}.{name}", "value": value}
            for entity, values in params.items()
            for name, value in (values or {}).items()
        ],
        columns=["parameter", "value"],
    )
    events = []
    for event in scenario.get("events") or []:
        detail = {
            k: v
            for k, v in event.items()
            if k not in ("date", "type", "note", "source", "quote") and v is not None
        }
        events.append(
            {
                "month": event.get("date", ""),
                "event": str(event.get("type", "")).replace("_", " "),
                "details": ", ".join(f"{k} {v}" for k, v in detail.items()),
                "why (note or quote)": event.get("note") or event.get("quote") or "",
            }
        )
    return overrides, pd.DataFrame(
        events, columns=["month", "event", "details", "why (note or quote)"]
    )


def _command(meta: dict[str, Any]) -> str:
    command = meta.get("command")
    if isinstance(command, list) and command:
        program = Path(str(command[0])).name
        return shlex.join(
            ["alliance-sim" if program == "alliance-sim" else program, *map(str, command[1:])]
        )
    return str(command or "")


def _run_tables(folder: Path, ensemble: str | None = None) -> list[Table]:
    tables = []
    members = folder / "summary_members.csv"
    if members.is_file():
        frame = _read_csv(members, MEMBER_COLUMNS)
        with _Damaged(members):
            frame["median_exit"] = frame["median_exit"].where(frame["median_exit"].notna(), None)
            frame["median_exit"] = frame["median_exit"].map(
                lambda v: None if v in (None, "None", "NaT") else pd.Period(str(v), "M")
            )
            display, notes = summary.member_display(frame)
        tables.append(Table("Members at the end of the run", display, "summary_members", notes))
    bloc = folder / "summary_bloc.csv"
    if bloc.is_file():
        frame = _read_csv(bloc, BLOC_COLUMNS)
        with _Damaged(bloc):
            display = summary.bloc_display(frame)
        tables.append(
            Table(
                "Bloc at the end of the run", display, "summary_bloc", [summary.band_note(ensemble)]
            )
        )
    return tables


def _comparison_tables(folder: Path, meta: dict[str, Any]) -> list[Table]:
    diffs, member = folder / "differences.csv", folder / "member_differences.csv"
    d = _read_csv(diffs, DIFFERENCE_COLUMNS) if diffs.is_file() else None
    m = _read_csv(member, MEMBER_DIFFERENCE_COLUMNS) if member.is_file() else None
    with _Damaged(folder / "metadata.json"):
        reference, replicates = (
            str(meta.get("reference", "the reference")),
            int(meta.get("replicates") or 0),
        )
    tables = []
    with _Damaged(diffs):
        tables += comparison_tables(d, None, reference, replicates)
    with _Damaged(member):
        tables += comparison_tables(None, m, reference, replicates)
    return tables


def comparison_tables(
    d: pd.DataFrame | None, m: pd.DataFrame | None, reference: str, replicates: int = 0
) -> list[Table]:
    """Display tables of a comparison: bloc differences and member probability changes."""
    tables = []
    if d is not None and len(d):
        display = pd.DataFrame(
            {
                "scenario": d["scenario"],
                "metric": [summary.METRIC_NAMES.get(m, m) for m in d["metric"]],
                "reference median": d["reference"].map("{:.3f}".format),
                "scenario median": d["scenario_median"].map("{:.3f}".format),
                "median paired difference": d["diff_median"].map("{:+.3f}".format),
                "90% of paired differences": [
                    f"[{lo:+.3f}, {hi:+.3f}]"
                    for lo, hi in zip(d["diff_q05"], d["diff_q95"], strict=True)
                ],
                "P(lower)": [summary.probability(p, replicates) for p in d["p_lower"]],
            }
        )
        tables.append(
            Table(
                f"Differences from {reference} at the end",
                display,
                "differences",
                [
                    "Paired by replicate (same seed, same parameter draws); the interval holds 90% "
                    "of the paired differences."
                ],
            )
        )
    if m is not None and len(m):
        moving = (m["reference"] > 0) | (m["scenario_p"] > 0)
        always = (m["reference"] == 1) & (m["scenario_p"] == 1)
        m = m[moving & ~always]
        display = pd.DataFrame(
            {
                "scenario": m["scenario"],
                "member": m["member"].str.capitalize(),
                "outcome": m["outcome"],
                "reference": [summary.probability(p, replicates) for p in m["reference"]],
                "scenario P": [summary.probability(p, replicates) for p in m["scenario_p"]],
                "change": m["diff"].map(summary.signed_percent),
                "90% interval": [
                    f"[{summary.signed_percent(lo)}, {summary.signed_percent(hi)}]"
                    for lo, hi in zip(m["diff_lo"], m["diff_hi"], strict=True)
                ],
            }
        )
        tables.append(
            Table(
                "Change in members' end-of-run probabilities",
                display,
                "member_differences",
                [
                    "Interval: 90% normal interval of the paired difference (Monte Carlo error of "
                    "the ensemble)."
                ],
            )
        )
    return tables


def _sweep_tables(folder: Path) -> list[Table]:
    sens = folder / "sensitivity.csv"
    if not sens.is_file():
        return []
    frame = _read_csv(sens, ())
    shown = frame.map(lambda v: f"{v:.3f}" if isinstance(v, float) else v)
    return [
        Table(
            "Sensitivity indices",
            shown,
            "sensitivity",
            ["Confidence intervals are bootstrap intervals of the indices."],
        )
    ]


def _export(tables: list[Table], folder: Path) -> None:
    out = folder / "tables"
    out.mkdir(exist_ok=True)
    for table in tables:
        (out / f"{table.stem}.md").write_text(
            table.frame.to_markdown(index=False) + "\n" + "".join(f"\n{n}\n" for n in table.notes),
            encoding="utf-8",
        )
        (out / f"{table.stem}.tex").write_text(
            table.frame.to_latex(
                index=False, caption=table.title, label=f"tab:{table.stem}", escape=True
            ),
            encoding="utf-8",
        )


def _kind(folder: Path, meta: dict[str, Any]) -> str:
    if "experiment" in meta or (folder / "manifest.json").is_file():
        return "sweep"
    if "scenarios" in meta or (folder / "compare.png").is_file():
        return "comparison"
    if (folder / "scenario.yaml").is_file():
        return "run"
    raise ReportError(
        f"{folder}: not a run, comparison or sweep folder (no metadata.json or scenario.yaml)"
    )


def build_report(folder: str | Path, extra_sections: list[dict[str, str]] | None = None) -> str:
    """The report of a folder as one self-contained HTML page.

    Args:
        folder: A run, comparison or sweep folder.
        extra_sections: More sections, each ``{"title": ..., "html": ...}`` (trusted HTML).

    Raises:
        ReportError: When the folder is not a run, comparison or sweep folder, or when a file
            the report reads is damaged (one line naming the file, and the line when known).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder")
    meta = _read_json(folder / "metadata.json")
    kind = _kind(folder, meta)
    if kind == "comparison":
        scenarios = {p.stem: _read_yaml(p) for p in sorted((folder / "scenarios").glob("*.yaml"))}
        order = meta.get("scenarios") or list(scenarios)
        scenarios = {n: scenarios[n] for n in order if n in scenarios}
        sources = {n: folder / "scenarios" / f"{n}.yaml" for n in scenarios}
        tables = _comparison_tables(folder, meta)
        title = "Comparison: " + ", ".join(order)
    else:
        scenarios = {}
        scenario = _read_yaml(folder / "scenario.yaml")
        if scenario:
            scenarios[str(scenario.get("name", "scenario"))] = scenario
        sources = dict.fromkeys(scenarios, folder / "scenario.yaml")
        tables = (
            _run_tables(folder, meta.get("ensemble")) if kind == "run" else _sweep_tables(folder)
        )
        title = f"Scenario run: {meta.get('scenario', folder.name)}"
    if kind == "sweep":
        experiment = _read_yaml(folder / "experiment.yaml")
        title = f"Sweep: {meta.get('experiment', folder.name)}"
        question = " ".join(str(experiment.get("description", "")).split())
    else:
        first = next(iter(scenarios.values()), {})
        question = " ".join(str(first.get("description", "")).split())
    described = []
    for name, s in scenarios.items():
        with _Damaged(sources[name]):
            overrides, events = _assumptions(s)
            evidence = _evidence(s)
        described.append(
            {
                "name": name,
                "question": " ".join(str(s.get("description", "")).split()),
                "evidence": evidence,
                "overrides": overrides.to_html(index=False, border=0, classes="table")
                if len(overrides)
                else "",
                "events": events.to_html(index=False, border=0, classes="table")
                if len(events)
                else "",
                "start": s.get("start"),
                "months": s.get("months"),
                "history": s.get("history", True),
            }
        )
    figures = [_figure(p) for p in sorted(folder.glob("*.png"), key=_figure_order)]
    _export(tables, folder)
    versions = meta.get("versions", {})
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            kind=kind,
            question=question,
            meta=meta,
            scenarios=described,
            figures=figures,
            tables=tables,
            command=_command(meta),
            versions=versions,
            citations=load_parameters().documents,
            extra_sections=extra_sections or [],
            model_version=versions.get("alliance-sim", "?"),
        )
    )


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("alliance_sim.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_repr(
    heading: str,
    tables: list[Table],
    question: str = "",
    meta: str = "",
    hint: str = "",
) -> str:
    """The compact HTML a notebook shows for a result, a comparison or a summary."""
    return (
        _environment()
        .get_template("repr.html.j2")
        .render(heading=heading, tables=tables, question=question, meta=meta, hint=hint)
    )


def summary_tables(
    members: pd.DataFrame, bloc: pd.DataFrame, ensemble: str | None = None
) -> list[Table]:
    """The run's two summary tables as display tables (posture probabilities first).

    Args:
        members: The member summary (see :func:`alliance_sim.summary.member_summary`).
        bloc: The bloc summary (median, q05, q95 per metric).
        ensemble: Where the replicates' parameters came from (says what the band covers).
    """
    display, notes = summary.member_display(members)
    return [
        Table("Members at the end of the run", display, "summary_members", notes),
        Table(
            "Bloc at the end of the run",
            summary.bloc_display(bloc),
            "summary_bloc",
            [summary.band_note(ensemble)],
        ),
    ]


def _figure_order(path: Path) -> tuple[int, str]:
    order = list(CAPTIONS)
    return (order.index(path.name) if path.name in order else len(order), path.name)


def write_report(folder: str | Path, extra_sections: list[dict[str, str]] | None = None) -> Path:
    """Write ``report.html`` (and ``tables/*.md``, ``tables/*.tex``) into ``folder``.

    Nothing is written when a file the report reads is damaged.

    Raises:
        ReportError: When the folder is not a run, comparison or sweep folder, or a file in it
            is damaged (see :func:`build_report`).
    """
    folder = Path(folder)
    html = build_report(folder, extra_sections)
    path = folder / REPORT_FILE
    partial = folder / f".{REPORT_FILE}.partial"
    partial.write_text(html, encoding="utf-8")
    partial.replace(path)  # a rebuilt report is never half-written
    return path
