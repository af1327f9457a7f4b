"""Networks for Gephi: the mention and retweet networks of a window, with time.

:func:`dynamic_network` builds the network of a time window as a networkx
``DiGraph`` whose nodes and edges carry *spells* (the time intervals in which they
are active, one bucket wide, consecutive buckets merged), so Gephi's timeline plays
the network growing and fading. :func:`write_networks` writes, for the mention and
the retweet network, a dynamic GEXF and a GraphML (static, for tools that do not read
GEXF spells) into a folder::

    mention_network_peak.gexf      dynamic (spells), Gephi's timeline plays it
    mention_network_peak.graphml   the same graph without the spells
    retweet_network_peak.gexf
    retweet_network_peak.graphml

Nodes are accounts (see :mod:`crowdpulse.network.edges` for node identity). Each
node has a ``label``: the account's handle (``@name``) where the corpus knows it, else
its id. A pseudonymised corpus (``crowdpulse ingest --pseudonymize``) holds only
pseudonyms, so the labels are pseudonyms too. The firestorm's target (an
``@account``) is marked with ``target = true`` and drawn red; a ``#hashtag`` target
marks no node. Times are UTC, written as ISO 8601 (``timeformat="date"``, which
Gephi and ``networkx.read_gexf`` both read).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.exceptions import ConfigError
from crowdpulse.io.atomic import atomic_path
from crowdpulse.network.buckets import TimeLike, assign_buckets
from crowdpulse.network.edges import Network, network_edges

__all__ = [
    "account_labels",
    "dynamic_network",
    "peak_window",
    "write_networks",
    "write_peak_networks",
]

_TARGET_COLOUR = {"r": 213, "g": 94, "b": 0, "a": 1.0}  # Okabe-Ito vermillion
_NODE_COLOUR = {"r": 0, "g": 114, "b": 178, "a": 1.0}  # Okabe-Ito blue


def _pairs(table: pa.Table, ids: str, handles: str) -> tuple[pa.Array, pa.Array]:
    if ids not in table.column_names or handles not in table.column_names:
        return pa.array([], pa.string()), pa.array([], pa.string())
    id_col = table.column(ids).combine_chunks()
    handle_col = table.column(handles).combine_chunks()
    if pa.types.is_list(id_col.type):
        id_col, handle_col = pc.list_flatten(id_col), pc.list_flatten(handle_col)
        if len(id_col) != len(handle_col):
            return pa.array([], pa.string()), pa.array([], pa.string())
    return id_col.cast(pa.string()), handle_col.cast(pa.string())


def account_labels(table: pa.Table) -> dict[str, str]:
    """Map node ids to ``@handle`` labels, from every column that pairs an id and a handle.

    Args:
        table: A corpus table.

    Returns:
        Node id -> ``@handle`` (lower-cased). Nodes that are handles already
        (``@name``) need no entry.
    """
    labels: dict[str, str] = {}
    for ids, handles in (
        ("author_id", "author_handle"),
        ("retweeted_author_id", "retweeted_author_handle"),
        ("mention_ids", "mention_handles"),
    ):
        id_col, handle_col = _pairs(table, ids, handles)
        both = pc.and_(pc.is_valid(id_col), pc.is_valid(handle_col))
        if not len(id_col):
            continue
        for node, handle in zip(
            id_col.filter(both).to_pylist(), handle_col.filter(both).to_pylist(), strict=True
        ):
            labels.setdefault(node, "@" + handle.lower())
    return labels


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _spells(buckets: set[int], origin: datetime, minutes: int) -> list[tuple[str, str]]:
    """Merge consecutive bucket numbers into ``(start, end)`` ISO intervals."""
    out: list[tuple[str, str]] = []
    step = timedelta(minutes=minutes)
    ordered = sorted(buckets)
    run_start = prev = ordered[0]
    for b in [*ordered[1:], None]:
        if b is not None and b == prev + 1:
            prev = b
            continue
        out.append((_iso(origin + run_start * step), _iso(origin + (prev + 1) * step)))
        if b is not None:
            run_start = prev = b
    return out


def dynamic_network(
    table: pa.Table,
    start: TimeLike,
    end: TimeLike,
    *,
    network: Network = "mention",
    bucket_minutes: int = 30,
    target: str | None = None,
    labels: dict[str, str] | None = None,
) -> nx.DiGraph:
    """Build the network of a window with the time intervals of its nodes and edges.

    Args:
        table: A corpus table.
        start: Start of the window (inclusive).
        end: End of the window (exclusive).
        network: ``"mention"`` or ``"retweet"``.
        bucket_minutes: Width of the time slices the spells are made of.
        target: The firestorm's target (``@account`` marks its node; ``#hashtag`` none).
        labels: Node id -> label (default :func:`account_labels` of ``table``).

    Returns:
        A ``DiGraph`` with ``mode="dynamic"``; nodes have ``label``, ``target``,
        ``posts`` (posts sent in the window), ``mentioned`` (posts naming it) and
        ``spells``; edges ``weight`` (posts) and ``spells``.

    Raises:
        ConfigError: ``bucket_minutes`` is below 1 or the target is malformed.
        InputError: A needed column is missing or malformed.
    """
    if bucket_minutes < 1:
        raise ConfigError("bucket_minutes must be at least 1", field="bucket_minutes")
    target_node: str | None = None
    if target:
        from crowdpulse.firestorm.truth import parse_target

        kind, name = parse_target(target)
        target_node = "@" + name if kind == "mention" else None
    buckets = assign_buckets(
        table.column("created_at"), minutes=bucket_minutes, origin=start, end=end
    )
    origin = buckets.origin
    edges = network_edges(table, network)
    slot = np.asarray(buckets.index)[edges.post]
    keep = slot >= 0
    sources = edges.source.filter(pa.array(keep)).to_pylist()
    targets = edges.target.filter(pa.array(keep)).to_pylist()
    slots = slot[keep].tolist()
    labels = account_labels(table) if labels is None else labels
    edge_slots: dict[tuple[str, str], set[int]] = defaultdict(set)
    weight: dict[tuple[str, str], int] = defaultdict(int)
    node_slots: dict[str, set[int]] = defaultdict(set)
    sent: dict[str, int] = defaultdict(int)
    named: dict[str, int] = defaultdict(int)
    for u, v, b in zip(sources, targets, slots, strict=True):
        edge_slots[(u, v)].add(b)
        weight[(u, v)] += 1
        node_slots[u].add(b)
        node_slots[v].add(b)
        sent[u] += 1
        named[v] += 1
    graph = nx.DiGraph(mode="dynamic", network=network)
    for node in sorted(node_slots):
        label = node if node.startswith("@") else labels.get(node, node)
        is_target = target_node is not None and target_node in (node, label)
        graph.add_node(
            node,
            label=label,
            target=is_target,
            posts=sent[node],
            mentioned=named[node],
            spells=_spells(node_slots[node], origin, bucket_minutes),
            viz={"color": _TARGET_COLOUR if is_target else _NODE_COLOUR},
        )
    for (u, v), seen in sorted(edge_slots.items()):
        graph.add_edge(u, v, weight=weight[(u, v)], spells=_spells(seen, origin, bucket_minutes))
    return graph


def write_networks(
    table: pa.Table,
    out_dir: str | Path,
    start: TimeLike,
    end: TimeLike,
    *,
    bucket_minutes: int = 30,
    target: str | None = None,
    suffix: str = "peak",
) -> dict[str, Any]:
    """Write the mention and retweet networks of a window as dynamic GEXF and GraphML.

    Args:
        table: A corpus table.
        out_dir: The folder (created if missing).
        start: Start of the window (inclusive).
        end: End of the window (exclusive).
        bucket_minutes: Width of the time slices of the spells.
        target: The firestorm's target (its node is marked).
        suffix: File name suffix (``mention_network_<suffix>.gexf``).

    Returns:
        ``{"files": {key: Path}, "networks": {network: {"nodes", "edges", "target_found"}}}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    labels = account_labels(table)
    files: dict[str, Path] = {}
    summary: dict[str, dict[str, Any]] = {}
    for network in ("mention", "retweet"):
        graph = dynamic_network(
            table,
            start,
            end,
            network=network,
            bucket_minutes=bucket_minutes,
            target=target,
            labels=labels,
        )
        gexf = out / f"{network}_network_{suffix}.gexf"
        with atomic_path(gexf) as temp:  # never a half file, even when killed
            nx.write_gexf(graph, temp)
        static = nx.DiGraph()
        static.add_nodes_from(
            (n, {k: v for k, v in d.items() if k not in ("spells", "viz")})
            for n, d in graph.nodes(data=True)
        )
        static.add_edges_from((u, v, {"weight": d["weight"]}) for u, v, d in graph.edges(data=True))
        graphml = out / f"{network}_network_{suffix}.graphml"
        nx.write_graphml(static, graphml)
        files[f"{network}_gexf"] = gexf
        files[f"{network}_graphml"] = graphml
        summary[network] = {
            "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(),
            "target_found": any(d["target"] for _, d in graph.nodes(data=True)),
        }
    return {"files": files, "networks": summary}


def peak_window(result: Any) -> tuple[datetime, datetime] | None:
    """The window of the firestorm's peak: the detector's network window ending there.

    The peak is the bucket of the highest max in-degree (else the one with the most
    target posts); the window is the ``window_buckets`` buckets ending with it, the
    window whose mention network the firestorm measures at the peak.

    Args:
        result: A :class:`crowdpulse.firestorm.FirestormResult`.

    Returns:
        ``(start, end)`` in UTC, or None when the series has no peak.
    """
    truth = result.truth
    peak = truth.peak_in_degree_bucket
    if peak is None:
        peak = truth.peak_posts_bucket
    if peak is None:
        return None
    end = truth.time(peak + 1)
    if end is None:
        return None
    options = result.options
    return end - timedelta(minutes=options.bucket_minutes * options.window_buckets), end


def write_peak_networks(table: pa.Table, result: Any, out_dir: str | Path) -> dict[str, str]:
    """Write the mention and retweet networks of the peak window (GEXF and GraphML).

    What ``crowdpulse firestorm -o DIR`` and the report's firestorm stage both write.

    Args:
        table: The corpus the firestorm ran on.
        result: Its :class:`crowdpulse.firestorm.FirestormResult`.
        out_dir: The folder.

    Returns:
        Name -> path of every file written (empty when there is no peak).
    """
    window = peak_window(result)
    if window is None:
        return {}
    written = write_networks(
        table,
        out_dir,
        window[0],
        window[1],
        bucket_minutes=result.options.bucket_minutes,
        target=result.target,
    )
    return {name: str(path) for name, path in written["files"].items()}
