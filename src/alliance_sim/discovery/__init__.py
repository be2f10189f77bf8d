"""Scenario discovery: under which conditions does a member freeze or leave?

Runs on a sweep's results (see :mod:`alliance_sim.sweeps`) with EMA Workbench's PRIM, CART and
feature scoring (the ``discovery`` extra).

Example:
    >>> from alliance_sim.discovery import discover
    >>> d = discover("results/armenia_kazakhstan_discovery",
    ...              "armenia frozen_or_exited at 24 > 0.5", seed=1)  # doctest: +SKIP
    >>> d.box, d.resampling, d.scores  # tables  # doctest: +SKIP
    >>> d.write("results/armenia_kazakhstan_discovery/discovery/armenia")  # doctest: +SKIP
"""

from .analysis import Discovery, OptionError, choose_box, discover, load_results
from .outcome import Outcome, OutcomeError, parse_outcome
from .report import render_section

__all__ = [
    "Discovery",
    "OptionError",
    "Outcome",
    "OutcomeError",
    "choose_box",
    "discover",
    "load_results",
    "parse_outcome",
    "render_section",
]
