"""Publication figures: colour-blind-safe states, captions with sources, event numbers that never
overprint, small multiples for many scenarios, empty panels that say why, static pictures."""

import contextlib
import itertools

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.ticker import FixedLocator

from alliance_sim import compare, plots, run
from alliance_sim.plots import OKABE_ITO, STATE_COLOURS, plot_bloc, save_figure
from alliance_sim.sweeps.plots import cell_uncertainty
from alliance_sim.sweeps.sensitivity import sobol_warnings


@pytest.fixture(scope="module")
def result():
    return run("armenia_exit", replicates=30, months=12, seed=4)


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.texts)


def test_states_use_the_okabe_ito_palette_without_a_red_green_pair():
    assert set(STATE_COLOURS.values()) <= set(OKABE_ITO.values())
    assert OKABE_ITO["bluish green"] not in STATE_COLOURS.values()
    assert OKABE_ITO["vermillion"] not in STATE_COLOURS.values()


@pytest.mark.parametrize(
    "kind", ["bloc", "loyalty", "states", "exit", "timeline", "network", "map"]
)
def test_every_run_figure_carries_a_caption_and_a_source_line(result, kind):
    text = _texts(result.plot(kind))
    assert "Source: alliance-sim" in text
    assert "armenia_exit" in text and "30 replicates" in text and "seed 4" in text


def test_event_numbers_in_the_same_month_never_overprint(result):
    markers = [("2023-01", "a"), ("2023-01", "b"), ("2023-02", "c"), ("2023-06", "d")]
    fig = plot_bloc(result.to_frame(), "title", markers=markers)
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in "1234"]
    assert len(boxes) == 4
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    assert "(1) 2023-01 a" in _texts(fig) and "(4) 2023-06 d" in _texts(fig)


def test_an_empty_panel_says_why(result):
    # Members can leave on their own (mostly at the November summit): one month, a seed in
    # which none does.
    nobody_leaves = run("baseline", replicates=10, months=1, seed=1)
    assert nobody_leaves.model.outcomes()["exit_date"].isna().all()
    texts = [t.get_text() for ax in nobody_leaves.plot("exit").axes for t in ax.texts]
    assert any("No member left in any replicate" in t for t in texts)


def test_many_scenarios_become_small_multiples():
    names = ["baseline", "armenia_exit", "kyrgyzstan_exit", "russia_weakens", "kazakhstan_exit"]
    fig = compare(names, replicates=10, months=8, seed=1).plot()
    panels = [ax for ax in fig.axes if ax.get_ylabel()]
    assert len(panels) == 4 * 3  # one row per scenario other than the reference
    assert "each row" in fig._suptitle.get_text()
    assert "middle 50%" in _texts(fig) + str([t.get_text() for t in fig.legends[0].texts])


@pytest.mark.parametrize("kind", ["bloc", "loyalty"])
def test_fixing_the_date_ticks_while_drawing_changes_no_pixel(result, kind, tmp_path, monkeypatch):
    fig = result.plot(kind)
    with plots.frozen_date_ticks(fig):
        assert isinstance(fig.axes[0].xaxis.get_major_locator(), FixedLocator)
    fast = save_figure(fig, tmp_path / "fast.png").read_bytes()
    # Afterwards the date axes tick by date again, for a caller who changes the limits.
    for ax in fig.axes[:2]:
        assert isinstance(ax.xaxis.get_major_locator(), AutoDateLocator)
        assert isinstance(ax.xaxis.get_major_formatter(), ConciseDateFormatter)
        assert ax.xaxis.get_major_formatter()._locator is ax.xaxis.get_major_locator()
    monkeypatch.setattr(plots, "frozen_date_ticks", lambda fig: contextlib.nullcontext())
    assert save_figure(result.plot(kind), tmp_path / "slow.png").read_bytes() == fast


@pytest.mark.parametrize("kind", ["bloc", "states", "map"])
def test_the_measured_saved_area_is_matplotlibs_tight_one(result, kind, tmp_path):
    fast = save_figure(result.plot(kind), tmp_path / "fast.png").read_bytes()
    fig = result.plot(kind)
    FigureCanvasAgg(fig)
    with plots.frozen_date_ticks(fig):
        fig.savefig(tmp_path / "tight.png", dpi=150, bbox_inches="tight", pad_inches=0.15)
    assert (tmp_path / "tight.png").read_bytes() == fast


def test_figures_also_as_svg_and_pdf_on_request(result, tmp_path):
    save_figure(result.plot("bloc"), tmp_path / "bloc.png", ("svg", "pdf"))
    assert (tmp_path / "bloc.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "bloc.pdf").read_bytes()[:4] == b"%PDF"


def test_sobol_warnings_flag_wide_intervals_and_s1_above_st():
    table = pd.DataFrame(
        {
            "parameter": ["a", "b", "c"],
            "S1": [0.5, 0.02, 0.3],
            "S1_conf": [0.05, 0.1, 0.02],
            "ST": [0.6, 0.03, 0.25],
            "ST_conf": [0.05, 0.1, 0.02],
        }
    )
    warnings = sobol_warnings(table)
    assert any("wider than the index: b" in w for w in warnings)
    assert any("S1 > ST" in w and "c" in w for w in warnings)
    assert sobol_warnings(table.iloc[:1]) == []


def test_heatmap_cells_carry_their_uncertainty():
    results = pd.DataFrame(
        {
            "x": [0, 0, 1, 1],
            "y": [0, 1, 0, 1],
            "p_any_exit": [0.0, 0.5, 0.1, 1.0],
            "replicates": [400] * 4,
        }
    )
    cells = cell_uncertainty(results, "x", "y", "p_any_exit")
    assert cells.loc[0, 0] == "<0.25%"
    assert cells.loc[1, 0] == "±4.9 pts"
