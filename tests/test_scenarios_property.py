"""Property test: no mutation of a scenario file makes the loader fail with anything but a
ScenarioError (no traceback for the user, whatever they typed)."""

import pathlib
import tempfile

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance_sim import ScenarioError, load_scenario

SOURCE = """\
name: mutant
description: What if?
evidence:
  - "000: a quote"
extends: baseline
start: "2022-10"
months: 24
replicates: 10
seed: 3
parameters:
  armenia:
    access_west: 0.5
  global:
    contagion: 0.3
events:
  - type: exit
    date: "2023-01"
    member: armenia
  - type: border_clash
    date: "2023-02"
    members: [kyrgyzstan, tajikistan]
    victim: kyrgyzstan
    severity: 0.5
  - type: patron_offer
    date: "2023-03"
    patron: china
    member: kazakhstan
    access: 1.0
  - type: set_parameter
    date: "2023-04"
    key: global.capacity_drift
    value: -0.01
  - type: hegemon_shock
    date: "2023-05"
    delta: -0.1
  - type: article4_request
    date: "2023-06"
    member: armenia
"""

ATOMS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["armenia", "china", "global.contagion", "2023-01", "2099-13", "exit"]),
)
VALUES = st.recursive(
    ATOMS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


@st.composite
def structural(draw):
    data = yaml.safe_load(SOURCE)
    paths = [p for p in _paths(data) if p]
    path = draw(st.sampled_from(paths))
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[path[-1]] = draw(VALUES)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(max_size=8))] = draw(VALUES)
    else:
        parent.append(draw(VALUES))
    return yaml.safe_dump(data, allow_unicode=True)


@st.composite
def textual(draw):
    text = SOURCE
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["delete", "insert", "swap_lines", "duplicate", "truncate"]))
        i = draw(st.integers(0, max(len(text) - 1, 0)))
        if action == "delete":
            text = text[:i] + text[i + 1 :]
        elif action == "insert":
            text = text[:i] + draw(st.sampled_from(list(":-[]{}'\"#&*!|> \t\n0aZ"))) + text[i:]
        elif action == "truncate":
            text = text[:i]
        else:
            lines = text.splitlines()
            if len(lines) > 1:
                a = draw(st.integers(0, len(lines) - 1))
                b = draw(st.integers(0, len(lines) - 1))
                if action == "swap_lines":
                    lines[a], lines[b] = lines[b], lines[a]
                else:
                    lines.insert(b, lines[a])
                text = "\n".join(lines) + "\n"
    return text


def _load(text):
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "mutant.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_scenario(path)
        except ScenarioError as err:
            assert str(err).startswith(str(path))


def test_the_unmutated_source_is_valid():
    _load(SOURCE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structural())
def test_structural_mutations_fail_only_with_scenario_errors(text):
    _load(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(textual())
def test_text_mutations_fail_only_with_scenario_errors(text):
    _load(text)
