"""Known-answer tests against a generated corpus (``crowdpulse.synth``) and its truth.json.

The per-post truth carries each post's true class, true country and emojis, so the
emoji tables computed from it must equal the truth's Tables 1, 4, 5 and 6 exactly.
The end-to-end test runs ``crowdpulse emojis`` on a plain ingested corpus, with the
enriched columns computed on the fly by the other stages.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from crowdpulse.emoji import GROUPS, analyze_emojis, cooccurrence_graph, emoji_matrix
from crowdpulse.event import load_event

synth = pytest.importorskip("crowdpulse.synth")

SENTIMENT = {"🙏": 0.42, "❤️": 0.75, "💔": -0.12, "😢": -0.1, "💙": 0.7}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("synth")
    synth.synthesize(
        synth.SynthConfig(seed=11, posts=4000),
        folder / "posts.jsonl",
        fmt="v1",
        truth_path=folder / "truth.json",
        event_path=folder / "event.toml",
        truth_posts_path=folder / "truth_posts.parquet",
    )
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return {"folder": folder, "truth": truth}


def enriched_from_truth(folder: Path) -> pa.Table:
    """The kept posts with the true class, country and emojis, as the stages would add them."""
    posts = pq.read_table(folder / "truth_posts.parquet")
    posts = posts.filter(
        pc.and_(posts.column("kept"), pc.not_equal(posts.column("class"), "conflicting"))
    )
    labels = [
        c if c in ("solidarity", "not solidarity") else None
        for c in posts.column("class").to_pylist()
    ]
    return pa.table(
        {
            "id": posts.column("id"),
            "created_at": posts.column("created_at"),
            "emojis": posts.column("emojis").cast(pa.list_(pa.string())),
            "solidarity": pa.array(labels, pa.string()),
            "country": posts.column("true_country").cast(pa.string()),
        }
    )


def pairs(top: list[list[Any]]) -> list[tuple[str, int]]:
    return [(e, int(c)) for e, c in top]


def test_tables_equal_the_truth(generated) -> None:
    truth = generated["truth"]
    folder = generated["folder"]
    event = load_event(folder / "event.toml")
    table = enriched_from_truth(folder)
    a = analyze_emojis(
        table,
        event,
        name_of={},
        sentiment_of=SENTIMENT,
        in_region=lambda c, affected: c in affected,
    )
    counts = truth["solidarity"]["counts"]
    # Table 1
    assert a.table1.solidarity == counts["solidarity"] > 50
    assert a.table1.not_solidarity == counts["not solidarity"] > 50
    assert a.table1.unlabelled == counts["unlabelled"]
    # Tables 4 and 5
    for cls in ("solidarity", "not solidarity"):
        expected = truth["solidarity"]["emojis"][cls]
        assert a.table4[cls].emojis == expected["total"]
        assert a.table4[cls].distinct_emojis == len(expected["counts"])
        assert [(r.emoji, r.count) for r in a.table5[cls]] == pairs(expected["top10"])
        assert [r.rank for r in a.table5[cls]] == list(range(1, len(expected["top10"]) + 1))
    # Table 6, with the unknown group reported
    regions = truth["geo"]["solidarity_emojis_by_region"]
    assert sorted(a.affected) == truth["geo"]["affected_countries"]
    for group in GROUPS:
        assert a.table6[group].posts == regions[group]["posts"]
        assert a.table6[group].emojis == regions[group]["total"]
        assert [(r.emoji, r.count) for r in a.table6.top[group]] == pairs(regions[group]["top10"])
    assert (
        regions["inside"]["total"] > 0
        and regions["outside"]["total"] > 0
        and regions["unknown"]["total"] > 0
    )
    inside, outside = regions["inside"]["total"], regions["outside"]["total"]
    assert a.table6.share("inside") == pytest.approx(100 * inside / (inside + outside))


def test_networks_and_diffusion_match_a_plain_count(generated) -> None:
    folder = generated["folder"]
    event = load_event(folder / "event.toml")
    table = enriched_from_truth(folder)
    a = analyze_emojis(
        table,
        event,
        min_count=3,
        name_of={},
        sentiment_of=SENTIMENT,
        in_region=lambda c, affected: c in affected,
    )
    rows = table.to_pylist()
    affected = event.affected_countries
    outside = [
        r["emojis"]
        for r in rows
        if r["solidarity"] == "solidarity" and r["country"] and r["country"] not in affected
    ]
    expected_edges: Counter[frozenset[str]] = Counter()
    for emojis in outside:
        distinct = sorted(set(emojis))
        for i, x in enumerate(distinct):
            for y in distinct[i + 1 :]:
                expected_edges[frozenset((x, y))] += 1
    got = {frozenset((u, v)): w for u, v, w in a.networks["outside"].edges(data="weight")}
    assert got == dict(expected_edges) and got
    daily: Counter[tuple[str, str]] = Counter()
    for r in rows:
        if r["solidarity"] == "solidarity" and r["created_at"] is not None:
            for e in r["emojis"]:
                daily[(r["created_at"].strftime("%Y-%m-%d"), e)] += 1
    expected_cells = {k: v for k, v in daily.items() if v >= 3}
    cells = {(c.bucket.strftime("%Y-%m-%d"), c.emoji): c.count for c in a.diffusion["all"].rows}
    assert cells == expected_cells and cells
    # the unscored emojis (flags...) are in the band below the scored ones
    d = a.diffusion["all"]
    assert set(d.band) == {e for _, e in expected_cells if e not in SENTIMENT}
    scores = [SENTIMENT[e] for e in d.scored]
    assert scores == sorted(scores)


def test_whole_network_equals_matrix_product(generated) -> None:
    table = enriched_from_truth(generated["folder"])
    g = cooccurrence_graph(table.column("emojis"), name_of={}, sentiment_of={})
    m = emoji_matrix(table.column("emojis"))
    assert g.number_of_nodes() == len(m.vocabulary)
    assert sum(d["count"] for _, d in g.nodes(data=True)) == int(m.totals().sum())


def ingested(folder: Path, out: Path, *, with_true_country: bool) -> Path:
    """Ingest the generated posts as the truth's filters do (English, no retweets, deduped)."""
    from crowdpulse.io.ingest import IngestOptions, ingest

    corpus = out / "corpus.parquet"
    ingest([folder / "posts.jsonl"], corpus, options=IngestOptions(lang="en"))
    if with_true_country:
        table = pq.read_table(corpus)
        truth = pq.read_table(folder / "truth_posts.parquet", columns=["id", "true_country"])
        country = dict(
            zip(
                truth.column("id").to_pylist(),
                truth.column("true_country").to_pylist(),
                strict=True,
            )
        )
        ids = table.column("id").to_pylist()
        table = table.append_column("country", pa.array([country[i] for i in ids], pa.string()))
        pq.write_table(table, corpus)
    return corpus


def run_cli(corpus: Path, event: Path, out: Path) -> dict[str, Any]:
    from crowdpulse.cli import main

    result = CliRunner().invoke(
        main, ["emojis", str(corpus), "--event", str(event), "-o", str(out), "--json", "-q"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_computes_emojis_and_labels_on_the_fly(generated, tmp_path) -> None:
    """End to end: ingest, then ``crowdpulse emojis`` extracts emojis and labels posts itself."""
    text = pytest.importorskip("crowdpulse.text", reason="crowdpulse.text not available")
    label = pytest.importorskip("crowdpulse.label", reason="crowdpulse.label not available")
    if not (hasattr(text, "extract_emojis") and hasattr(label, "label_corpus")):
        pytest.skip("the text and label stages are not complete")
    folder, truth = generated["folder"], generated["truth"]
    data = run_cli(
        ingested(folder, tmp_path, with_true_country=True), folder / "event.toml", tmp_path / "out"
    )
    assert data["computed_columns"] == ["emojis", "solidarity"]
    counts = truth["solidarity"]["counts"]
    assert data["table1"] == {
        "solidarity": counts["solidarity"],
        "not solidarity": counts["not solidarity"],
        "unlabelled": counts["unlabelled"],
    }
    for cls in ("solidarity", "not solidarity"):
        expected = truth["solidarity"]["emojis"][cls]
        assert data["table4"][cls]["emojis"] == expected["total"]
        assert [(r["emoji"], r["count"]) for r in data["table5"][cls]] == pairs(expected["top10"])
    regions = truth["geo"]["solidarity_emojis_by_region"]
    for group in GROUPS:
        assert data["table6"][group]["posts"] == regions[group]["posts"]
        assert data["table6"][group]["emojis"] == regions[group]["total"]
        assert [(r["emoji"], r["count"]) for r in data["table6"][group]["top"]] == pairs(
            regions[group]["top10"]
        )


def test_cli_geotags_on_the_fly(generated, tmp_path) -> None:
    """With no country column, ``crowdpulse emojis`` geotags with ``crowdpulse.geo``."""
    geo = pytest.importorskip("crowdpulse.geo", reason="crowdpulse.geo not available")
    if not hasattr(geo, "geotag"):
        pytest.skip("crowdpulse.geo.geotag is not available yet")
    folder, truth = generated["folder"], generated["truth"]
    data = run_cli(
        ingested(folder, tmp_path, with_true_country=False), folder / "event.toml", tmp_path / "out"
    )
    assert set(data["computed_columns"]) == {"emojis", "solidarity", "country"}
    # geocoding profile locations is not exact; the three groups still add up to Table 4
    total = sum(data["table6"][g]["emojis"] for g in GROUPS)
    assert total == truth["solidarity"]["emojis"]["solidarity"]["total"]
    assert data["table6"]["inside"]["emojis"] > 0 and data["table6"]["outside"]["emojis"] > 0
