"""Annotator agreement and hashtag sheets (Santhanam et al., 2018)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.label import (
    agreed_label,
    cohen_kappa,
    normalise_annotator_label,
    normalise_hashtag,
    read_sheet,
)

S, N, C = "expresses solidarity", "does not express solidarity", "cannot determine"


def write_sheet(
    path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...] | None = None
) -> Path:
    header = header or ("hashtags", "FREQUENCY", "annotator-1", "annotator-2", "annotations")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (S, S, "solidarity"),
        (N, N, "no solidarity"),
        (C, C, "ignore"),
        (S, N, "ignore"),
        (N, S, "ignore"),
        (S, C, "ignore"),
        (C, N, "ignore"),
        ("Solidarity", "solidarity", "solidarity"),
        ("Neutral", " does not express solidarity ", "no solidarity"),
    ],
)
def test_agreed_label_truth_table(first: str, second: str, expected: str) -> None:
    assert agreed_label(first, second) == expected


def test_normalise_annotator_label_rejects_unknown() -> None:
    assert normalise_annotator_label("Unrelated or Cannot Determine") == C
    with pytest.raises(ConfigError, match="unknown annotator label"):
        normalise_annotator_label("maybe")


def test_kappa_equals_hand_computation() -> None:
    # p_o = 4/6; marginals a1 S3 N2 C1, a2 S1 N3 C2 -> p_e = (3 + 6 + 2) / 36 = 11/36
    # kappa = (24/36 - 11/36) / (25/36) = 13/25
    a1 = [S, S, N, N, C, S]
    a2 = [S, N, N, N, C, C]
    assert cohen_kappa(a1, a2) == pytest.approx(13 / 25)


def test_kappa_edge_cases() -> None:
    assert cohen_kappa([S, S], [S, S]) == 1.0
    assert cohen_kappa([S, N], [N, S]) == pytest.approx(-1.0)
    with pytest.raises(ConfigError):
        cohen_kappa([S], [S, N])
    with pytest.raises(ConfigError):
        cohen_kappa([], [])


def test_read_tiny_sheet(tmp_path: Path) -> None:
    path = write_sheet(
        tmp_path / "sheet.csv",
        [
            ("PrayForParis", "100", S, S, "solidarity"),
            ("breaking", "90", N, N, "no solidarity"),
            ("paris", "80", C, N, "ignore"),
            ("live", "70", N, N, "no solidarity"),
            ("live", "20", C, N, "ignore"),
            ("#France", "10", N, N, "no solidarity"),
            ("france", "5", N, N, "no solidarity"),
        ],
    )
    sheet = read_sheet(path)
    assert len(sheet.rows) == 7
    assert sheet.rows[0].line == 2 and sheet.rows[0].frequency == 100
    assert sheet.label_counts() == {"solidarity": 1, "no solidarity": 4, "ignore": 2}
    assert sheet.mismatches() == []
    assert sheet.duplicates() == {"live": 2, "france": 2}
    assert sheet.inconsistent() == ["live"]
    assert sheet.lexicon() == {
        "prayforparis": "solidarity",
        "breaking": "not solidarity",
        "france": "not solidarity",
    }
    summary = sheet.summary()
    assert summary["rows"] == 7 and summary["unique_hashtags"] == 5
    assert summary["lexicon"] == {"solidarity": 1, "not solidarity": 2}


def test_sheet_without_final_column_and_lower_header(tmp_path: Path) -> None:
    path = write_sheet(
        tmp_path / "s.csv",
        [("a", "1", S, S), ("b", "", N, C)],
        header=("hashtag", "frequency", "annotator-1", "annotator-2"),
    )
    sheet = read_sheet(path)
    assert [r.annotation for r in sheet.rows] == [None, None]
    assert sheet.final_labels() == ["solidarity", "ignore"]
    assert sheet.rows[1].frequency is None


def test_sheet_mismatch_is_reported(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "s.csv", [("a", "1", S, N, "solidarity")])
    assert [r.hashtag for r in read_sheet(path).mismatches()] == ["a"]


def test_sheet_errors_name_line_and_field(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_sheet(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="export the spreadsheet"):
        read_sheet(tmp_path / "sheet.xlsx")
    bad = write_sheet(tmp_path / "bad.csv", [("a", "1", S, S, "x"), ("b", "2", "perhaps", S, "x")])
    with pytest.raises(InputError) as info:
        read_sheet(bad)
    assert info.value.line == 3 and info.value.field == "annotator-1"
    freq = write_sheet(tmp_path / "freq.csv", [("a", "many", S, S, "x")])
    with pytest.raises(InputError, match="not a number"):
        read_sheet(freq)
    nocol = write_sheet(tmp_path / "nocol.csv", [("a", "1")], header=("hashtags", "FREQUENCY"))
    with pytest.raises(InputError, match="annotator-1"):
        read_sheet(nocol)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_sheet(empty)


def test_normalise_hashtag() -> None:
    assert normalise_hashtag(" #PrayForParis ") == "prayforparis"
    assert normalise_hashtag("＃Paris") == "paris"
    assert normalise_hashtag("Últimahora") == "últimahora"


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "counts", "kappa"),
    [
        ("paris", {"solidarity": 145, "no solidarity": 1405, "ignore": 852}, 0.2372),
        ("irma", {"solidarity": 15, "no solidarity": 300, "ignore": 354}, -0.1120),
    ],
)
def test_real_sheets_final_column_reproduced(
    shared_data: Path, name: str, counts: dict[str, int], kappa: float
) -> None:
    path = shared_data / "icwsm_emoji" / f"annotations_{name}.csv"
    sheet = read_sheet(path)
    with path.open(encoding="utf-8", newline="") as handle:
        published = [row[4] for row in list(csv.reader(handle))[1:]]
    assert len(published) == len(sheet.rows)
    # every row, in order: the recomputed final label is the sheet's own
    assert sheet.final_labels() == published
    assert sheet.mismatches() == []
    assert sheet.label_counts() == counts
    # the published annotations do not reach the papers' kappa > 0.65: report as is
    assert sheet.kappa == pytest.approx(kappa, abs=5e-5)
