"""Dynamic GEXF / GraphML export of the mention and retweet networks, read back by networkx.

The expected spells, weights and labels are worked out by hand from a few posts; the
end-to-end test runs ``crowdpulse firestorm -o DIR`` on a generated corpus with a
planted firestorm and reads the files it writes.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from crowdpulse.cli import main
from crowdpulse.exceptions import ConfigError
from crowdpulse.network.gexf import account_labels, dynamic_network, write_networks
from crowdpulse.synth import SynthConfig, synthesize
from test_network_edges import T0, make_table, post

END = T0 + timedelta(hours=3)


def _posts() -> list[dict]:
    return [
        post(0, "1", ["2"]),  # bucket 0: 1 -> 2
        post(35, "1", ["2"]),  # bucket 1: 1 -> 2 again (spell 0..2 merged)
        post(100, "3", ["2", "1"]),  # bucket 3: 3 -> 2, 3 -> 1
        post(
            50,
            "4",
            retweeted_id="9",
            retweeted_author_id="3",
            retweeted_author_handle="H3",
        ),  # retweet 4 -> 3 in bucket 1
        post(200, "5", ["2"]),  # after the window: left out
    ]


def test_dynamic_mention_network_spells_weights_labels(tmp_path: Path) -> None:
    table = make_table(_posts())
    graph = dynamic_network(table, T0, END, bucket_minutes=30, target="@h2")
    assert graph.graph["mode"] == "dynamic"
    assert sorted(graph.nodes) == ["1", "2", "3"]
    assert graph.nodes["1"]["label"] == "@h1"  # the handle a mention names
    assert graph.edges["1", "2"]["weight"] == 2
    path = tmp_path / "m.gexf"
    nx.write_gexf(graph, path)
    back = nx.read_gexf(path)
    assert back.graph["mode"] == "dynamic"
    assert back.edges["1", "2"]["spells"] == [("2014-06-22T00:00:00", "2014-06-22T01:00:00")]
    assert back.edges["3", "1"]["spells"] == [("2014-06-22T01:30:00", "2014-06-22T02:00:00")]
    assert back.nodes["2"]["spells"] == [
        ("2014-06-22T00:00:00", "2014-06-22T01:00:00"),
        ("2014-06-22T01:30:00", "2014-06-22T02:00:00"),
    ]
    targets = [(n, d["label"]) for n, d in back.nodes(data=True) if d["target"]]
    assert targets == [("2", "@h2")]
    assert back.nodes["2"]["mentioned"] == 3
    assert back.nodes["1"]["posts"] == 2


def test_retweet_network_and_graphml(tmp_path: Path) -> None:
    table = make_table(_posts())
    out = write_networks(table, tmp_path, T0, END, bucket_minutes=30, target="#anything")
    assert out["networks"]["retweet"] == {"nodes": 2, "edges": 1, "target_found": False}
    assert out["networks"]["mention"]["target_found"] is False  # a hashtag marks no node
    back = nx.read_gexf(tmp_path / "retweet_network_peak.gexf")
    assert list(back.edges) == [("4", "3")]
    assert back.nodes["3"]["label"] == "@h3"
    static = nx.read_graphml(tmp_path / "mention_network_peak.graphml")
    assert static.edges["1", "2"]["weight"] == 2
    assert "spells" not in static.nodes["1"]


def test_labels_and_errors() -> None:
    table = make_table(_posts())
    assert account_labels(table)["4"] == "@h4"
    with pytest.raises(ConfigError):
        dynamic_network(table, T0, END, bucket_minutes=0)
    with pytest.raises(ConfigError):
        dynamic_network(table, T0, END, target="nobody")


def test_firestorm_command_writes_gephi_networks(tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    synthesize(
        SynthConfig(seed=11, posts=3000, days=3),
        posts,
        fmt="v1",
        truth_path=tmp_path / "truth.json",
        event_path=tmp_path / "event.toml",
    )
    corpus = tmp_path / "corpus.parquet"
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(posts), "-o", str(corpus), "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "fs"
    result = runner.invoke(
        main,
        [
            *("firestorm", str(corpus), "--event", str(tmp_path / "event.toml")),
            *("-o", str(out), "--json", "--quiet", "--no-figures"),
        ],
    )
    assert result.exit_code == 0, result.output
    files = json.loads(result.output)["files"]
    for key in ("mention_gexf", "mention_graphml", "retweet_gexf", "retweet_graphml"):
        assert Path(files[key]).is_file()
    graph = nx.read_gexf(out / "mention_network_peak.gexf")
    target = json.loads((tmp_path / "truth.json").read_text())["firestorm"]["target"]
    marked = [d["label"] for _, d in graph.nodes(data=True) if d["target"]]
    assert marked == [target.lower()]
    spells = [s for _, d in graph.nodes(data=True) for s in d["spells"]]
    assert spells and all(start < end for start, end in spells)
    assert all(d["spells"] for _, _, d in graph.edges(data=True))


def test_pseudonymised_corpus_labels_nodes_with_pseudonyms() -> None:
    from crowdpulse.io.pseudonym import pseudonym, pseudonymize_table, pseudonymize_target

    salt = "s3cret"
    table = pseudonymize_table(make_table(_posts()), salt)
    target = pseudonymize_target("@h2", salt)
    graph = dynamic_network(table, T0, END, bucket_minutes=30, target=target)
    labels = {d["label"] for _, d in graph.nodes(data=True)}
    assert "@" + pseudonym("h1", salt, kind="handle") in labels
    assert not any(label in ("@h1", "@h2", "@h3") for label in labels)
    marked = [d["label"] for _, d in graph.nodes(data=True) if d["target"]]
    assert marked == [target]
