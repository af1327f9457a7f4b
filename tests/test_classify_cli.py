"""``crowdpulse classify evaluate|train|predict`` through click's CliRunner."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crowdpulse.cli.classify import command

SOL = ["pray", "love", "strength", "courage", "heart", "🙏", "❤️"]
NEU = ["police", "breaking", "news", "report", "stadium", "shots", "📺"]
COMMON = ["paris", "tonight", "people", "city", "now"]


def make_rows(n: int, seed: int = 0) -> list[dict[str, str | None]]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        sol = i % 3 == 0
        words = list(rng.choice(SOL if sol else NEU, size=3)) + list(rng.choice(COMMON, size=3))
        rng.shuffle(words)
        label = "solidarity" if sol else "not solidarity"
        rows.append(
            {
                "id": f"p{i}",
                "text": " ".join(words) + " #prayforparis",
                "tft": " ".join(words),
                "label": label,
            }
        )
    rows.append({"id": "u1", "text": "unlabelled", "tft": "unlabelled", "label": None})
    return rows


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = make_rows(150)
    path = tmp_path_factory.mktemp("cli") / "labelled.parquet"
    pq.write_table(
        pa.table(
            {
                "id": [r["id"] for r in rows],
                "text": [r["text"] for r in rows],
                "text_for_training": [r["tft"] for r in rows],
                "solidarity": [r["label"] for r in rows],
            }
        ),
        path,
    )
    return path


@pytest.fixture(scope="module")
def crisis_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("csv") / "tweets.csv"
    types = {"solidarity": "Sympathy and support", "not solidarity": "Caution and advice"}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Tweet ID", " Tweet Text", " Information Type"])
        for row in make_rows(90, seed=1)[:-1]:
            writer.writerow([row["id"], row["tft"], types[str(row["label"])]])
        writer.writerow(["x1", "something else", "Not labeled"])
    return path


def test_evaluate_json(corpus: Path) -> None:
    args = [
        "evaluate",
        str(corpus),
        "--model",
        "svm-tfidf",
        "--model",
        "logreg",
        "--folds",
        "3",
        "--json",
        "-q",
    ]
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["n_posts"] == 150 and out["class_counts"] == {
        "solidarity": 50,
        "not solidarity": 100,
    }
    assert set(out["models"]) == {"svm-tfidf", "logreg"}
    for entry in out["models"].values():
        assert entry["accuracy"] > 0.9 and len(entry["folds"]) == 3
        assert {"accuracy", "macro_f1", "per_class", "folds"} <= set(entry)


def test_evaluate_csv_with_positive_and_exclude(crisis_csv: Path) -> None:
    args = [
        "evaluate",
        str(crisis_csv),
        "--text-col",
        "Tweet Text",
        "--label-col",
        "Information Type",
        "--id-col",
        "Tweet ID",
        "--positive",
        "Sympathy and support",
        "--exclude",
        "Not labeled",
        "--model",
        "svm-bigram",
        "--folds",
        "3",
        "--no-emoji",
        "--balance",
        "undersample",
        "--json",
    ]
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["class_counts"] == {"solidarity": 30, "not solidarity": 60}
    assert out["emojis"] is False and out["balance"] == "undersample"
    assert sum(f["n_test"] for f in out["models"]["svm-bigram"]["folds"]) == 60


def test_evaluate_table_output(corpus: Path) -> None:
    result = CliRunner().invoke(command, ["evaluate", str(corpus), "--folds", "3", "-q"])
    assert result.exit_code == 0, result.output
    for name in ("svm-bigram", "svm-tfidf", "svm-tfidf-bigram", "logreg"):
        assert f"| {name} |" in result.output


def test_train_and_predict_round_trip(corpus: Path, tmp_path: Path) -> None:
    model = tmp_path / "svm.skops"
    result = CliRunner().invoke(
        command, ["train", str(corpus), "--model", "svm-tfidf", "-o", str(model), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_posts"] == 150
    for suffix in ("parquet", "csv"):
        out = tmp_path / f"pred.{suffix}"
        result = CliRunner().invoke(
            command, ["predict", str(model), str(corpus), "-o", str(out), "-q"]
        )
        assert result.exit_code == 0, result.output
        assert "predicted 151 posts" in result.output
        if suffix == "parquet":
            table = pq.read_table(out)
        else:
            import pyarrow.csv as pc

            table = pc.read_csv(
                out, convert_options=pc.ConvertOptions(column_types={"id": pa.string()})
            )
        assert table.column_names == ["id", "label", "probability"]
        assert table.column("id").to_pylist()[:2] == ["p0", "p1"]
        labels = table.column("label").to_pylist()
        assert labels[0] == "solidarity" and labels[1] == "not solidarity"
        probs = table.column("probability").to_pylist()
        assert all(0.5 <= p <= 1.0 for p in probs)


def test_train_lstm_and_predict(corpus: Path, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    glove = tmp_path / "glove.txt"
    glove.write_text("pray 0.9 0.1\npolice -0.9 0.2\nparis 0.0 1.0\n", encoding="utf-8")
    model = tmp_path / "lstm.pt"
    args = [
        "train",
        str(corpus),
        "--model",
        "lstm",
        "--epochs",
        "2",
        "--glove",
        str(glove),
        "-o",
        str(model),
        "-q",
    ]
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 0, result.output
    out = tmp_path / "p.parquet"
    result = CliRunner().invoke(
        command, ["predict", str(model), str(corpus), "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_posts"] == 151
    assert pq.read_table(out).column("probability").null_count == 0


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", "{corpus}", "--model", "forest"],
        ["evaluate", "{corpus}", "--label-col", "nope"],
        ["evaluate", "{corpus}", "--folds", "1000"],
        ["predict", "{corpus}", "{corpus}", "-o", "x.parquet"],
    ],
)
def test_errors_exit_1(args: list[str], corpus: Path) -> None:
    result = CliRunner().invoke(command, [a.format(corpus=corpus) for a in args])
    assert result.exit_code == 1, result.output
    assert "crowdpulse: error:" in result.output and "Traceback" not in result.output


def test_help_has_examples() -> None:
    for sub in ([], ["evaluate"], ["train"], ["predict"]):
        result = CliRunner().invoke(command, [*sub, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output


@pytest.mark.realdata
def test_crisislex_event_reads_with_spaced_header(shared_data: Path) -> None:
    from crowdpulse.classify import read_training_data

    path = next(
        (shared_data / "crisislex" / "CrisisLexT26").glob(
            "2013_Boston_bombings/*-tweets_labeled.csv"
        )
    )
    data = read_training_data(
        path,
        text_col="Tweet Text",
        label_col="Information Type",
        id_col="Tweet ID",
        positive=["Sympathy and support"],
        exclude=["Not labeled"],
    ).labelled()
    assert len(data) > 500
    assert set(data.labels) == {"solidarity", "not solidarity"}
    assert all(i.isdigit() for i in data.ids)
