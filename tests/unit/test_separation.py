"""The separation of new text from quoted history and signature, measured on the labelled set.

The floors below were measured when the set was built (bench/separation.py prints the figures;
tests/fixtures/separation/README.md records them): all four were 1.000 on the whole set after
tuning, and 0.846 / 1.000 / 1.000 / 0.860 on the 16 held-out cases before any tuning on them.
A change that loses ground fails here; a change that gains ground may raise the floors.
"""

from __future__ import annotations

import pytest

from bench.separation import (
    Case,
    commsync_approach,
    evaluate,
    load_cases,
    mail_parser_reply_approach,
)

FLOOR = {"new precision": 0.97, "new recall": 0.97, "signature precision": 0.97, "signature recall": 0.95}
EXACT_FLOOR = 0.93


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases()


def test_given_the_labelled_set_then_it_is_big_and_covers_the_languages(cases: list[Case]) -> None:
    names = {case.name for case in cases}

    assert len(cases) >= 60
    assert all(case.new.strip() for case in cases)
    for marker in ["_de", "_fr", "_es", "_nl", "_pt", "_it", "_ja", "_zh"]:
        assert any(marker in name for name in names), marker


def test_given_the_labelled_set_when_separating_then_the_kept_approach_stays_above_its_floors(
    cases: list[Case],
) -> None:
    result = evaluate("commsync", commsync_approach, cases)

    measured = {
        "new precision": result.new.precision,
        "new recall": result.new.recall,
        "signature precision": result.signature.precision,
        "signature recall": result.signature.recall,
    }
    assert {k: v for k, v in measured.items() if v < FLOOR[k]} == {}, result.misses
    assert result.exact / result.cases >= EXACT_FLOOR, result.misses


def test_given_the_labelled_set_then_the_kept_approach_beats_the_library(cases: list[Case]) -> None:
    ours = evaluate("commsync", commsync_approach, cases)
    library = evaluate("mail-parser-reply", mail_parser_reply_approach, cases)

    assert ours.exact > library.exact
    assert ours.new.precision > library.new.precision and ours.signature.recall > library.signature.recall
