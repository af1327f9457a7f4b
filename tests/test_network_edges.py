"""Node identity and edges of the mention/retweet networks; shared corpus helpers.

The helpers (``make_table``, ``random_corpus``, ``reference_window``) are imported by
the other ``test_network_*`` modules. The reference works row by row in plain Python
and builds networkx graphs: it shares no code with ``crowdpulse.network``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx
import numpy as np
import pyarrow as pa
import pytest

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.network import (
    author_nodes,
    encode_edges,
    mention_post_mask,
    network_edges,
    retweet_post_mask,
)
from crowdpulse.schema import POST_SCHEMA

T0 = datetime(2014, 6, 22, 0, 0, tzinfo=UTC)


def make_table(rows: list[dict[str, Any]], extra: dict[str, pa.DataType] | None = None) -> pa.Table:
    """A POST_SCHEMA table from dicts (missing fields are null; ``id`` defaults to the row)."""
    fields = list(POST_SCHEMA) + [pa.field(k, t) for k, t in (extra or {}).items()]
    schema = pa.schema(fields, metadata=POST_SCHEMA.metadata)
    columns = {f.name: [] for f in fields}
    for i, row in enumerate(rows):
        for f in fields:
            value = row.get(f.name)
            if f.name == "id" and value is None:
                value = str(i)
            columns[f.name].append(value)
    return pa.table(columns, schema=schema)


def post(
    minute: float, author: str | None, mentions: list[str | None] | None = None, **kw: Any
) -> dict:
    """A row: ``author`` is an id; mentions are ids (handles follow ``h<id>``)."""
    row: dict[str, Any] = {
        "created_at": T0 + timedelta(minutes=minute),
        "author_id": author,
        "author_handle": None if author is None else f"H{author}",
    }
    if mentions is not None:
        row["mention_ids"] = mentions
        row["mention_handles"] = [None if m is None else f"h{m}" for m in mentions]
    row.update(kw)
    return row


def random_corpus(
    seed: int,
    *,
    n_posts: int = 400,
    n_users: int = 25,
    hours: int = 40,
    gap: tuple[float, float] = (12.0, 27.0),
    lexical: tuple[str, ...] = (),
) -> pa.Table:
    """A seeded corpus with every awkward case the network code must handle.

    Authors are users 0..n_users-1 (some posts give only a mixed-case handle);
    mentions go to users 0..n_users+9 (the last ten never post: target-only nodes);
    there are self-mentions, repeated mentions, mentions with only a handle, with
    neither id nor handle, lists of handles without ids, retweets carrying the
    ``RT @x`` mention, retweets known only by handle, posts without time, and no
    post at all in the ``gap`` (hours), so some windows are empty.
    """
    rng = np.random.default_rng(seed)
    rows = []
    weights = 1.0 / np.arange(1, n_users + 1)
    weights /= weights.sum()
    for _ in range(n_posts):
        hour = rng.uniform(0, hours - (gap[1] - gap[0]))
        if hour >= gap[0]:
            hour += gap[1] - gap[0]
        time = T0 + timedelta(hours=float(hour)) if rng.random() > 0.02 else None
        user = int(rng.choice(n_users, p=weights))
        row: dict[str, Any] = {"created_at": time}
        if rng.random() < 0.1:
            row["author_handle"] = f"User{user}"  # id unknown: node "@user<k>"
        else:
            row["author_id"] = str(user)
            row["author_handle"] = f"User{user}"
        ids: list[str | None] = []
        handles: list[str | None] = []
        if rng.random() < 0.2:
            target = int(rng.choice(n_users, p=weights))
            if rng.random() < 0.2:
                row["retweeted_author_handle"] = f"User{target}"
            else:
                row["retweeted_id"] = f"rt{rng.integers(10**6)}"
                row["retweeted_author_id"] = str(target)
                row["retweeted_author_handle"] = f"User{target}"
            ids.append(str(target))
            handles.append(f"user{target}")
        k = int(rng.integers(0, 4)) if rng.random() < 0.6 else 0
        for _ in range(k):
            roll = rng.random()
            if roll < 0.08:
                target = user  # self-mention
            elif roll < 0.15 and ids:
                ids.append(ids[-1])  # repeated mention
                handles.append(handles[-1])
                continue
            else:
                target = int(rng.integers(0, n_users + 10))
            kind = rng.random()
            if kind < 0.15:
                ids.append(None)
                handles.append(f"USER{target}")
            elif kind < 0.18:
                ids.append(None)
                handles.append(None)
            else:
                ids.append(str(target))
                handles.append(f"user{target}")
        if ids:
            if rng.random() < 0.05:
                row["mention_handles"] = [h for h in handles if h is not None]
            else:
                row["mention_ids"] = ids
                row["mention_handles"] = handles
        for name in lexical:
            row[name] = None if rng.random() < 0.05 else float(rng.gamma(2.0, 1.5))
        rows.append(row)
    return make_table(rows, {name: pa.float64() for name in lexical})


# --- the reference: row by row, plain Python + networkx ---------------------------


def _node(ident: str | None, handle: str | None) -> str | None:
    if ident is not None:
        return ident
    return None if handle is None else "@" + handle.lower()


def _is_retweet(row: dict) -> bool:
    return any(
        row[k] is not None
        for k in ("retweeted_id", "retweeted_author_id", "retweeted_author_handle")
    )


def _targets(row: dict) -> list[str]:
    ids, handles = row["mention_ids"], row["mention_handles"]
    if ids is None:
        return [_node(None, h) for h in handles or [] if h is not None]  # type: ignore[misc]
    out = []
    for i, ident in enumerate(ids):
        node = _node(ident, handles[i] if handles is not None else None)
        if node is not None:
            out.append(node)
    return out


def reference_edges(row: dict, network: str, include_retweets: bool) -> list[tuple[str, str]]:
    author = _node(row["author_id"], row["author_handle"])
    if network == "mention":
        if _is_retweet(row) and not include_retweets:
            return []
        targets = _targets(row)
    else:
        if not _is_retweet(row):
            return []
        target = _node(row["retweeted_author_id"], row["retweeted_author_handle"])
        targets = [] if target is None else [target]
    return [(author, t) for t in targets if author is not None and t != author]


def reference_window(
    rows: list[dict], start: datetime, end: datetime, network: str, include_retweets: bool
) -> dict[str, Any]:
    """Every metric of the window [start, end), from scratch with networkx."""
    inside = [r for r in rows if r["created_at"] is not None and start <= r["created_at"] < end]
    graph = nx.DiGraph()
    for row in inside:
        graph.add_edges_from(reference_edges(row, network, include_retweets))
    n, e = graph.number_of_nodes(), graph.number_of_edges()
    posts = len(inside)
    mention_posts = sum(
        1 for r in inside if _targets(r) and (include_retweets or not _is_retweet(r))
    )
    retweets = sum(1 for r in inside if _is_retweet(r))

    def ratio(a: float, b: float) -> float:
        return a / b if b else math.nan

    out: dict[str, Any] = {
        "nodes": n,
        "edges": e,
        "density": nx.density(graph),
        "avg_out_degree": ratio(e, n),
        "lwcc_size": max((len(c) for c in nx.weakly_connected_components(graph)), default=0),
        "posts": posts,
        "mention_posts": mention_posts,
        "retweet_posts": retweets,
        "mention_post_ratio": ratio(mention_posts, posts),
        "retweet_post_ratio": ratio(retweets, posts),
        "edges_per_post": ratio(e, posts),
        "edges_per_node": ratio(e, n),
        "posts_per_node": ratio(posts, n),
    }
    out["lwcc_fraction"] = ratio(out["lwcc_size"], n)
    for kind, degrees in (("out", dict(graph.out_degree())), ("in", dict(graph.in_degree()))):
        best = max(degrees.values(), default=0)
        out[f"max_{kind}_degree"] = best
        out[f"max_{kind}_degree_node"] = min(
            (k for k, d in degrees.items() if d == best), default=None
        )
    return out


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return a == b


# --- tests of node identity and edge extraction ----------------------------------


def _pairs(edges: Any) -> list[tuple[int, str, str]]:
    return list(
        zip(edges.post.tolist(), edges.source.to_pylist(), edges.target.to_pylist(), strict=True)
    )


def test_mention_edges_with_fallbacks_self_loops_and_repeats() -> None:
    table = make_table(
        [
            # a mention with neither id nor handle, a self-mention, a repeated mention
            post(0, "1", ["2", None, "1", "2"]),
            # an author with neither id nor handle: no edge, still a mention post
            post(1, None, ["3"]),
            # handles only (no id list): lower-cased "@handle" nodes
            {
                "created_at": T0,
                "author_id": "4",
                "mention_ids": None,
                "mention_handles": ["MiXeD", None],
            },
            # a null id inside the list falls back to the handle at the same position
            {
                "created_at": T0,
                "author_id": "5",
                "mention_ids": [None, "6"],
                "mention_handles": ["Seven", "six"],
            },
        ]
    )
    edges = network_edges(table, "mention")
    assert sorted(_pairs(edges)) == [
        (0, "1", "2"),
        (0, "1", "2"),  # a repeated mention is a second (post, edge) entry
        (2, "4", "@mixed"),
        (3, "5", "6"),
        (3, "5", "@seven"),
    ]
    assert mention_post_mask(table).tolist() == [True, True, True, True]
    assert edges.linking.tolist() == [True, True, True, True]


def test_author_without_id_falls_back_to_lowercased_handle() -> None:
    table = make_table(
        [
            {
                "created_at": T0,
                "author_handle": "KLM",
                "mention_ids": ["9"],
                "mention_handles": ["x"],
            },
            {"created_at": T0, "author_id": "123", "author_handle": "KLM"},
        ]
    )
    assert author_nodes(table).to_pylist() == ["@klm", "123"]
    assert _pairs(network_edges(table, "mention")) == [(0, "@klm", "9")]


def test_retweets_are_left_out_of_the_mention_network_by_default() -> None:
    rt = post(0, "1", ["2", "3"], retweeted_id="77", retweeted_author_id="2")
    table = make_table([rt, post(1, "4", ["1"])])
    assert _pairs(network_edges(table, "mention")) == [(1, "4", "1")]
    assert sorted(_pairs(network_edges(table, "mention", include_retweets=True))) == [
        (0, "1", "2"),
        (0, "1", "3"),
        (1, "4", "1"),
    ]
    assert mention_post_mask(table).tolist() == [False, True]
    assert mention_post_mask(table, include_retweets=True).tolist() == [True, True]
    assert retweet_post_mask(table).tolist() == [True, False]


def test_retweet_edges() -> None:
    table = make_table(
        [
            post(0, "1", retweeted_id="a", retweeted_author_id="2"),
            post(1, "1", retweeted_author_handle="Two"),  # only the handle is known
            post(2, "3", retweeted_id="b", retweeted_author_id="3"),  # self-retweet: dropped
            post(3, "4", retweeted_id="c"),  # retweet of an unknown author: no edge
            post(4, "5", ["1"]),  # not a retweet
        ]
    )
    edges = network_edges(table, "retweet")
    assert _pairs(edges) == [(0, "1", "2"), (1, "1", "@two")]
    assert retweet_post_mask(table).tolist() == [True, True, True, True, False]
    assert edges.linking.tolist() == [True, True, True, False, False]


def test_mismatched_mention_lists_raise_input_error() -> None:
    table = make_table(
        [{"created_at": T0, "author_id": "1", "mention_ids": ["2", "3"], "mention_handles": ["b"]}]
    )
    with pytest.raises(InputError, match="differ in length"):
        network_edges(table, "mention")


def test_missing_column_and_unknown_network() -> None:
    table = make_table([post(0, "1", ["2"])])
    with pytest.raises(InputError) as info:
        network_edges(table.drop_columns(["mention_ids"]), "mention")
    assert info.value.field == "mention_ids"
    with pytest.raises(ConfigError):
        network_edges(table, "reply")  # type: ignore[arg-type]


def test_encoding_follows_lexicographic_order() -> None:
    table = make_table([post(0, "b", ["a", "c"]), post(1, "c", ["b"])])
    enc = encode_edges(network_edges(table, "mention"))
    assert enc.names.to_pylist() == ["a", "b", "c"]
    assert [
        (enc.names[s].as_py(), enc.names[t].as_py())
        for s, t in zip(enc.source, enc.target, strict=True)
    ] == [
        ("b", "a"),
        ("b", "c"),
        ("c", "b"),
    ]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("network", ["mention", "retweet"])
@pytest.mark.parametrize("include_retweets", [False, True])
def test_edges_equal_the_row_by_row_reference(
    seed: int, network: str, include_retweets: bool
) -> None:
    table = random_corpus(seed, n_posts=300)
    edges = network_edges(table, network, include_retweets=include_retweets)  # type: ignore[arg-type]
    expected = []
    for i, row in enumerate(table.to_pylist()):
        expected.extend((i, s, t) for s, t in reference_edges(row, network, include_retweets))
    assert sorted(_pairs(edges)) == sorted(expected)
    assert expected  # the corpus really has edges of this kind


def test_public_api_is_declared_and_documented() -> None:
    import inspect

    import crowdpulse.network as network

    for name in network.__all__:
        obj = getattr(network, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__ and len(obj.__doc__) > 40, name
    functions = {n for n in network.__all__ if inspect.isfunction(getattr(network, n))}
    assert {"assign_buckets", "window_metrics", "lexical_series", "compare_periods"} <= functions
