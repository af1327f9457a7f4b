"""The papers' reported numbers: quoted verbatim, consistent with the firestorm module."""

from __future__ import annotations

from pathlib import Path

import pytest

from crowdpulse.firestorm import PAPER_RESULTS
from crowdpulse.report.papers import PAPER_NUMBERS, PAPERS, paper_number

PAPERS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "papers"


def _normalised(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.realdata
@pytest.mark.parametrize("number", PAPER_NUMBERS, ids=lambda n: n.key)
def test_every_quote_is_in_its_paper(number: object) -> None:
    if not PAPERS_DIR.is_dir():
        pytest.skip(f"paper texts not found at {PAPERS_DIR}")
    paper = PAPERS[number.paper]  # type: ignore[attr-defined]
    text = _normalised((PAPERS_DIR / paper.text).read_text(encoding="utf-8"))
    assert _normalised(number.quote) in text  # type: ignore[attr-defined]


def test_values_agree_with_the_firestorm_evaluation() -> None:
    for key, ref in (
        ("offset_start", "start"),
        ("offset_peak_in_degree", "peak_in_degree"),
        ("offset_peak_posts", "peak_posts"),
    ):
        mean, sd = PAPER_RESULTS[ref]
        assert (paper_number(key).value, paper_number(key).sd) == (mean, sd)
    assert paper_number("detection_delay").value == PAPER_RESULTS["closest_detection_delay"][0]


def test_numbers_print_as_the_papers_write_them() -> None:
    assert paper_number("svm_mean_accuracy").text() == "75.97%"
    assert paper_number("lstm_accuracy").text() == "88.70%"
    assert paper_number("kappa").text() == "> 0.65"
    assert paper_number("offset_start").text() == "-0.55 ± 2.34 h"
    assert paper_number("offset_peak_in_degree").text() == "+1.19 ± 2.51 h"
    assert paper_number("detection_delay").text() == "1.00 h"
    assert paper_number("firestorm_share").text() == "2-8%"
    assert paper_number("unique_english_tweets").text() == "286,384"
    with pytest.raises(KeyError):
        paper_number("nope")


def test_keys_are_unique_and_papers_known() -> None:
    keys = [n.key for n in PAPER_NUMBERS]
    assert len(keys) == len(set(keys))
    assert {n.paper for n in PAPER_NUMBERS} <= set(PAPERS)
