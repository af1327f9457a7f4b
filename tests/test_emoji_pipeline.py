"""The whole emoji pipeline and ``crowdpulse emojis`` on a hand-made corpus."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import networkx as nx
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from PIL import Image

from crowdpulse.cli import main
from crowdpulse.emoji import (
    GlyphFallbackWarning,
    analyze_emojis,
    analyze_emojis_file,
    prepare_corpus,
    run_emojis,
    write_emoji_report,
)
from crowdpulse.event import EmojiSettings, Event
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.schema import POST_SCHEMA

PRAY, FR, HEART, CRY, US, ANGRY, BROKEN = "🙏", "🇫🇷", "❤️", "😢", "🇺🇸", "😡", "💔"
SENTIMENT = {PRAY: 0.42, HEART: 0.75, CRY: -0.1, ANGRY: -0.17, BROKEN: -0.12}
NAMES = {
    PRAY: "folded hands",
    FR: "flag: France",
    HEART: "red heart",
    CRY: "crying face",
    US: "flag: United States",
}
S, N = "solidarity", "not solidarity"
EVENT = Event(
    name="Hand-made",
    affected_countries=frozenset({"FR"}),
    emojis=EmojiSettings(bucket="1D", min_count=2),
)


def t(day: int, hour: int) -> datetime:
    return datetime(2015, 11, day, hour, tzinfo=UTC)


# the same posts as in test_emoji_tables.py: id, created_at, emojis, solidarity, country
POSTS = [
    ("1", t(13, 22), [PRAY, FR, PRAY], S, "FR"),
    ("2", t(13, 23), [FR, HEART], S, "FR"),
    ("3", t(14, 1), [PRAY, HEART, CRY], S, "US"),
    ("4", t(14, 2), [CRY], N, "US"),
    ("5", t(14, 3), [], N, None),
    ("6", t(14, 4), [PRAY], S, None),
    ("7", t(14, 5), [ANGRY, ANGRY], N, "GB"),
    ("8", None, [HEART, FR], S, "GB"),
    ("9", t(15, 10), [US, PRAY], S, "US"),
    ("10", t(15, 11), None, None, "FR"),
    ("11", t(15, 12), [BROKEN, CRY], None, "FR"),
]


def corpus(*, enriched: bool = True) -> pa.Table:
    """A table of the full post schema; with ``enriched`` the three added columns too."""
    cols = list(zip(*POSTS, strict=True))
    n = len(POSTS)
    texts = ["".join(e or []) + " paris" for e in cols[2]]
    data = {}
    for field in POST_SCHEMA:
        if field.name == "id":
            data["id"] = pa.array(cols[0], pa.string())
        elif field.name == "created_at":
            data["created_at"] = pa.array(cols[1], field.type)
        elif field.name == "text":
            data["text"] = pa.array(texts, pa.string())
        else:
            data[field.name] = pa.nulls(n, field.type)
    table = pa.table(data, schema=POST_SCHEMA)
    if enriched:
        table = table.append_column("emojis", pa.array(cols[2], pa.list_(pa.string())))
        table = table.append_column("solidarity", pa.array(cols[3], pa.string()))
        table = table.append_column("country", pa.array(cols[4], pa.string()))
    return table


def analyze(**kwargs):
    options = {
        "name_of": NAMES,
        "sentiment_of": SENTIMENT,
        "in_region": lambda c, a: c in a,
        **kwargs,
    }
    return analyze_emojis(corpus(), EVENT, **options)


def test_analysis_known_answers() -> None:
    a = analyze()
    assert a.computed_columns == ()
    assert (a.table1.solidarity, a.table1.not_solidarity, a.table1.unlabelled) == (6, 3, 2)
    assert a.table4[S].emojis == 13 and a.table4[N].emojis == 3
    assert [r.emoji for r in a.table5[S]] == [PRAY, HEART, FR, US, CRY]
    assert [a.table6[g].emojis for g in ("inside", "outside", "unknown")] == [5, 7, 1]
    inside, outside = a.networks["inside"], a.networks["outside"]
    assert {frozenset(e): w for *e, w in inside.edges(data="weight")} == {
        frozenset((FR, PRAY)): 1,
        frozenset((FR, HEART)): 1,
    }
    assert outside.number_of_edges() == 5
    assert a.summaries["outside"].central[0] == (HEART, 3.0)
    # diffusion: min_count 2 per day, one time axis for every group
    d = a.diffusion
    assert [(r.bucket.day, r.emoji, r.count) for r in d["all"].rows] == [
        (13, FR, 2),
        (13, PRAY, 2),
        (14, PRAY, 2),
    ]
    assert [(r.bucket.day, r.emoji) for r in d["inside"].rows] == [(13, FR), (13, PRAY)]
    assert d["outside"].rows == ()
    assert (
        d["all"].buckets
        == d["inside"].buckets
        == d["outside"].buckets
        == (t(13, 0), t(14, 0), t(15, 0))
    )
    assert d["all"].undated_posts == 1


def test_analysis_options() -> None:
    a = analyze(weighting="inverse_length", min_count=1, bucket="12h", top_k=2, min_weight=0.4)
    assert a.networks["inside"][FR][HEART]["weight"] == pytest.approx(0.5)
    assert not a.networks["inside"].has_edge(FR, PRAY)  # 1/3 < 0.4
    assert len(a.table5[S]) == 2
    assert a.diffusion["all"].bucket == "12h"
    with pytest.raises(ConfigError):
        analyze(bucket="fortnight")
    with pytest.raises(ConfigError):
        analyze(top_k=0)


def test_to_dict_is_json() -> None:
    data = analyze().to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text)["table1"] == {"solidarity": 6, "not solidarity": 3, "unlabelled": 2}
    assert data["table6"]["inside"]["share_of_geotagged"] == pytest.approx(100 * 5 / 12)
    assert data["table5"]["solidarity"][0] == {
        "rank": 1,
        "emoji": PRAY,
        "count": 5,
        "name": "folded hands",
        "sentiment": 0.42,
    }


EXPECTED_FILES = {
    "table1_posts_per_class.csv",
    "table4_emoji_totals.csv",
    "table5_top_emojis.csv",
    "table6_regions.csv",
    "table6_top_emojis.csv",
    "cooccurrence_edges.csv",
    "cooccurrence_nodes.csv",
    "cooccurrence_components.csv",
    "diffusion.csv",
    "emoji_tables.md",
    *(
        f"cooccurrence_{g}.{ext}"
        for g in ("inside", "outside")
        for ext in ("gexf", "graphml", "png", "svg")
    ),
    *(f"diffusion_{g}.{ext}" for g in ("all", "inside", "outside") for ext in ("png", "svg")),
}


def test_write_report(tmp_path) -> None:
    with pytest.warns(GlyphFallbackWarning) as caught:
        report = write_emoji_report(analyze(), tmp_path / "out", font_path="/nonexistent.ttf")
    assert len(caught) == 1  # once per report, not per figure
    names = {p.name for p in report.files}
    assert names == EXPECTED_FILES
    assert all(p.stat().st_size > 0 for p in report.files)
    t5 = pacsv.read_csv(tmp_path / "out" / "table5_top_emojis.csv")
    assert t5.column("emoji").to_pylist()[:3] == [PRAY, HEART, FR]
    diffusion = pacsv.read_csv(tmp_path / "out" / "diffusion.csv")
    assert diffusion.column("group").to_pylist() == ["all"] * 3 + ["inside"] * 2
    edges = pacsv.read_csv(tmp_path / "out" / "cooccurrence_edges.csv")
    assert edges.num_rows == 2 + 5
    markdown = (tmp_path / "out" / "emoji_tables.md").read_text(encoding="utf-8")
    for heading in (
        "## Table 1.",
        "## Table 4.",
        "## Table 5.",
        "## Table 6.",
        "Figures 1-4",
        "Figures 5-8",
    ):
        assert heading in markdown
    assert "Posts without a label (not counted above): 2." in markdown
    gexf = nx.read_gexf(tmp_path / "out" / "cooccurrence_outside.gexf")
    assert gexf.nodes[PRAY]["label"] == "folded hands"
    assert Image.open(tmp_path / "out" / "cooccurrence_inside.png").size == (1000, 1000)
    n_rows = len(report.analysis.diffusion["all"].order)
    assert Image.open(tmp_path / "out" / "diffusion_all.png").size == (
        1000,
        round(100 * (1.85 + 0.4 * n_rows)),
    )
    assert report.to_dict()["glyphs"] == ["text"]


def test_write_report_rejects_unknown_format(tmp_path) -> None:
    with pytest.raises(ConfigError):
        write_emoji_report(analyze(), tmp_path, formats=("gif",))


def test_run_emojis_from_files(tmp_path) -> None:
    path = tmp_path / "corpus.parquet"
    pq.write_table(corpus(), path)
    event = tmp_path / "event.toml"
    event.write_text(EVENT_TOML.replace('["FR"]', '["France"]'))
    with pytest.warns(GlyphFallbackWarning):
        report = run_emojis(
            path,
            event,
            tmp_path / "out",
            formats=("png",),
            name_of=NAMES,
            sentiment_of=SENTIMENT,
            font_path="/none.ttf",
        )
    assert report.analysis.affected == frozenset({"FR"})
    assert report.analysis.table6["inside"].emojis == 5
    assert {p.suffix for p in report.files} == {".csv", ".md", ".gexf", ".graphml", ".png"}


def write_inputs(tmp_path, table: pa.Table, event_text: str) -> tuple[str, str]:
    path = tmp_path / "corpus.parquet"
    pq.write_table(table, path)
    event = tmp_path / "event.toml"
    event.write_text(event_text, encoding="utf-8")
    return str(path), str(event)


EVENT_TOML = (
    'name = "Hand-made"\naffected_countries = ["FR"]\n[emojis]\nbucket = "1D"\nmin_count = 2\n'
)


def test_cli_json(tmp_path) -> None:
    corpus_path, event_path = write_inputs(tmp_path, corpus(), EVENT_TOML)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "emojis",
            corpus_path,
            "--event",
            event_path,
            "-o",
            str(out),
            "--json",
            "--quiet",
            "--format",
            "png",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["table1"] == {"solidarity": 6, "not solidarity": 3, "unlabelled": 2}
    assert data["table4"]["solidarity"]["emojis"] == 13
    assert [r["emoji"] for r in data["table5"]["solidarity"]] == [PRAY, HEART, FR, US, CRY]
    assert data["table6"]["unknown"]["emojis"] == 1
    assert data["networks"]["outside"]["edges"] == 5
    assert {p.rsplit("/", 1)[-1] for p in data["files"]} == {
        n for n in EXPECTED_FILES if not n.endswith(".svg")
    }
    assert all((out / p.rsplit("/", 1)[-1]).exists() for p in data["files"])


def test_cli_lists_files(tmp_path) -> None:
    corpus_path, event_path = write_inputs(tmp_path, corpus(), EVENT_TOML)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "emojis",
            corpus_path,
            "--event",
            event_path,
            "-o",
            str(out),
            "--weighting",
            "inverse-length",
            "--top",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    listed = result.stdout.splitlines()
    assert len(listed) == len(EXPECTED_FILES)
    assert str(out / "emoji_tables.md") in listed
    assert "6 solidarity / 3 not solidarity posts" in result.stderr


def test_cli_errors(tmp_path) -> None:
    corpus_path, event_path = write_inputs(tmp_path, corpus(), EVENT_TOML)
    runner = CliRunner()
    missing = runner.invoke(
        main, ["emojis", corpus_path, "--event", str(tmp_path / "no.toml"), "-o", str(tmp_path)]
    )
    assert missing.exit_code == 1 and "event file not found" in missing.stderr
    bad = runner.invoke(
        main, ["emojis", corpus_path, "--event", event_path, "-o", str(tmp_path), "--bucket", "1W"]
    )
    assert bad.exit_code == 1 and "emojis.bucket" in bad.stderr
    fmt = runner.invoke(
        main, ["emojis", corpus_path, "--event", event_path, "-o", str(tmp_path), "--format", "gif"]
    )
    assert fmt.exit_code == 2 and "gif" in fmt.stderr
    unlabelled = corpus().drop_columns(["solidarity"])
    corpus_path, event_path = write_inputs(tmp_path, unlabelled, EVENT_TOML)
    nolabels = runner.invoke(
        main, ["emojis", corpus_path, "--event", event_path, "-o", str(tmp_path / "o")]
    )
    assert nolabels.exit_code == 1 and "[labels]" in nolabels.stderr
    assert "Traceback" not in nolabels.output


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated event, ingested (plain corpus), with its per-post truth."""
    synth = pytest.importorskip("crowdpulse.synth")
    from crowdpulse.io.ingest import IngestOptions, ingest

    folder = tmp_path_factory.mktemp("pipeline")
    synth.synthesize(
        synth.SynthConfig(seed=7, posts=1500),
        folder / "posts.jsonl",
        fmt="v1",
        event_path=folder / "event.toml",
        truth_posts_path=folder / "truth_posts.parquet",
    )
    ingest([folder / "posts.jsonl"], folder / "corpus.parquet", options=IngestOptions(lang="en"))
    return folder


def test_prepare_corpus_computes_the_true_columns(generated) -> None:
    """A plain corpus gets its emojis, labels and countries from the real stages."""
    from crowdpulse.event import load_event
    from crowdpulse.geo import geotag

    event = load_event(generated / "event.toml")
    plain = pq.read_table(generated / "corpus.parquet")
    table, computed = prepare_corpus(plain, event)
    assert computed == ("emojis", "solidarity", "country")
    truth = pq.read_table(generated / "truth_posts.parquet").to_pylist()
    by_id = {r["id"]: r for r in truth}
    rows = table.select(["id", "emojis", "solidarity"]).to_pylist()
    # posts with conflicting label hashtags are dropped, as in the paper
    kept = [r for r in truth if r["kept"] and r["class"] != "conflicting"]
    assert len(rows) == len(kept) > 500
    for row in rows:
        expected = by_id[row["id"]]
        assert row["emojis"] == list(expected["emojis"])
        cls = expected["class"]
        assert row["solidarity"] == (cls if cls in (S, N) else None)
    assert table.column("country").equals(geotag(table.drop_columns(["country"])).column("country"))
    again, computed = prepare_corpus(table, event)
    assert computed == () and again is table


def test_file_in_batches_equals_the_whole_table(tmp_path) -> None:
    """Batches of 2 posts (row groups of 3) add up to the very same analysis."""
    path = tmp_path / "corpus.parquet"
    pq.write_table(corpus(), path, row_group_size=3)
    options = {"name_of": NAMES, "sentiment_of": SENTIMENT, "in_region": lambda c, a: c in a}
    for extra in ({}, {"weighting": "inverse_length", "bucket": "6h", "min_count": 1}):
        whole = analyze_emojis(corpus(), EVENT, **options, **extra)
        batched = analyze_emojis_file(path, EVENT, batch_size=2, **options, **extra)
        assert batched.to_dict() == whole.to_dict()
        for group in ("inside", "outside"):
            assert sorted(batched.networks[group].edges(data=True)) == sorted(
                whole.networks[group].edges(data=True)
            )
    a = analyze_emojis_file(path, EVENT, batch_size=2, **options)
    assert (a.table1.solidarity, a.table1.not_solidarity, a.table1.unlabelled) == (6, 3, 2)
    assert [(r.bucket.day, r.emoji, r.count) for r in a.diffusion["all"].rows] == [
        (13, FR, 2),
        (13, PRAY, 2),
        (14, PRAY, 2),
    ]


def test_csv_files_follow_the_project_convention(tmp_path) -> None:
    """One CSV writer: ISO 8601 UTC times with Z, integers as integers, minimal quoting."""
    write_emoji_report(analyze(min_count=1), tmp_path, formats=())
    diffusion = (tmp_path / "diffusion.csv").read_text(encoding="utf-8").splitlines()
    assert diffusion[0] == "group,bucket,emoji,count,sentiment,name"
    assert diffusion[1].startswith("all,2015-11-13T00:00:00Z,")
    assert all(",2015-11-1" in line and '"' not in line for line in diffusion[1:])
    table4 = (tmp_path / "table4_emoji_totals.csv").read_text(encoding="utf-8").splitlines()
    assert table4 == [
        "class,posts,posts_with_emojis,emojis,distinct_emojis",
        "solidarity,6,6,13,5",
        "not solidarity,3,2,3,2",
    ]


def test_prepare_corpus_without_text_column() -> None:
    with pytest.raises(InputError, match="text"):
        prepare_corpus(corpus(enriched=False).drop_columns(["text"]), EVENT)


def test_public_api_is_declared_and_documented() -> None:
    import inspect

    import crowdpulse.emoji as package

    assert len(package.__all__) == len(set(package.__all__))
    for name in package.__all__:
        value = getattr(package, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert inspect.getdoc(value), f"{name} has no docstring"
