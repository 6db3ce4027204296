"""The CI rule for missing prerequisites: any true ``CI`` value turns skips into failures."""

from __future__ import annotations

import pytest

from ci_gate import in_ci, outcome_of, unavailable


@pytest.mark.parametrize(
    ("value", "on"),
    [
        ("true", True),
        ("1", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("", False),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
    ],
)
def test_any_true_ci_value_turns_ci_on(value: str, on: bool) -> None:
    assert in_ci({"CI": value}) is on


def test_without_ci_it_is_off() -> None:
    assert not in_ci({})


@pytest.mark.parametrize(
    ("value", "outcome"), [("true", "fail"), ("1", "fail"), ("false", "skip"), ("", "skip")]
)
def test_a_missing_prerequisite_skips_outside_ci_and_fails_under_it(
    monkeypatch: pytest.MonkeyPatch, value: str, outcome: str
) -> None:
    monkeypatch.setenv("CI", value)
    assert outcome_of(lambda: unavailable("no server here")) == outcome
