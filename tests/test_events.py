"""The events API rejects what it cannot apply, with the valid choices."""

import pytest

from alliance_sim import AllianceModel, Exit, parse_event


def test_unknown_member_lists_valid_choices():
    with pytest.raises(KeyError, match="valid: russia, belarus"):
        AllianceModel(events=[Exit(date="2023-01", member="georgia")])


def test_event_after_the_horizon_is_rejected():
    with pytest.raises(ValueError, match="outside the run"):
        AllianceModel(months=12, events=[Exit(date="2030-01", member="armenia")])


def test_hegemon_cannot_be_forced_out():
    model = AllianceModel(months=3, events=[Exit(date="2022-11", member="russia")])
    with pytest.raises(ValueError, match="hegemon"):
        model.run_model()


def test_events_parse_from_mappings():
    event = parse_event(
        {"type": "border_clash", "date": "2023-02", "members": ["kyrgyzstan", "tajikistan"]}
    )
    assert event.members == ("kyrgyzstan", "tajikistan")
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_event({"type": "exit", "date": "2023/02", "member": "armenia"})
