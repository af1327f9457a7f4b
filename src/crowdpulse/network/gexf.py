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

import io
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
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
    "LABEL_COLUMNS",
    "account_labels",
    "dynamic_network",
    "first_handles",
    "peak_window",
    "write_gexf",
    "write_graphml",
    "write_networks",
    "write_peak_networks",
]

_TARGET_COLOUR = {"r": 213, "g": 94, "b": 0, "a": 1.0}  # Okabe-Ito vermillion
_NODE_COLOUR = {"r": 0, "g": 114, "b": 178, "a": 1.0}  # Okabe-Ito blue


LABEL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("author_id", "author_handle"),
    ("retweeted_author_id", "retweeted_author_handle"),
    ("mention_ids", "mention_handles"),
)
"""The (id, handle) column pairs labels come from, in order of precedence."""


def _pairs(table: pa.Table, ids: str, handles: str) -> tuple[pa.Array, pa.Array]:
    """The ids and handles of a column pair, one entry a (row, position), in row order.

    List columns pair up row by row: a row whose two lists are not both present
    with the same length gives no pair.
    """
    if ids not in table.column_names or handles not in table.column_names:
        return pa.array([], pa.string()), pa.array([], pa.string())
    id_col = table.column(ids).combine_chunks()
    handle_col = table.column(handles).combine_chunks()
    if pa.types.is_list(id_col.type):
        same = pc.equal(pc.list_value_length(id_col), pc.list_value_length(handle_col))
        rows = same.fill_null(False)
        id_col = pc.list_flatten(id_col.filter(rows))
        handle_col = pc.list_flatten(handle_col.filter(rows))
    return id_col.cast(pa.string()), handle_col.cast(pa.string())


def first_handles(
    table: pa.Table, ids: str, handles: str, nodes: pa.Array | None = None
) -> dict[str, str]:
    """The ``@handle`` each node id is first paired with in one column pair, in row order.

    Args:
        table: A corpus table.
        ids: The id column (``author_id``, ``mention_ids``...).
        handles: The handle column paired with it.
        nodes: Only these node ids (default: all).

    Returns:
        Node id -> ``@handle`` (lower-cased).
    """
    id_col, handle_col = _pairs(table, ids, handles)
    keep = pc.and_(pc.is_valid(id_col), pc.is_valid(handle_col))
    if nodes is not None:
        keep = pc.and_(keep, pc.is_in(id_col, value_set=nodes.cast(pa.string())))
    id_col, handle_col = id_col.filter(keep), handle_col.filter(keep)
    if not len(id_col):
        return {}
    encoded = id_col.dictionary_encode()
    _, first = np.unique(np.asarray(encoded.indices, dtype=np.int64), return_index=True)
    picked = pa.array(first)
    return dict(
        zip(
            id_col.take(picked).to_pylist(),
            ["@" + h.lower() for h in handle_col.take(picked).to_pylist()],
            strict=True,
        )
    )


def account_labels(table: pa.Table) -> dict[str, str]:
    """Map node ids to ``@handle`` labels, from every column that pairs an id and a handle.

    A node's label is the handle of its first row as an author; else as a
    retweeted author; else as a mention (:data:`LABEL_COLUMNS`).

    Args:
        table: A corpus table.

    Returns:
        Node id -> ``@handle`` (lower-cased). Nodes that are handles already
        (``@name``) need no entry.
    """
    labels: dict[str, str] = {}
    for ids, handles in LABEL_COLUMNS:
        for node, label in first_handles(table, ids, handles).items():
            labels.setdefault(node, label)
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


class _NodeView:
    """Some nodes of a graph, as the networkx GEXF writer reads ``G.nodes``."""

    def __init__(self, graph: nx.DiGraph, items: list[tuple[Any, dict[str, Any]]]) -> None:
        self._graph = graph
        self._items = items

    def __call__(self, data: bool = True) -> Iterator[tuple[Any, dict[str, Any]]]:
        return iter(self._items)

    def __getitem__(self, node: Any) -> Any:
        return self._graph.nodes[node]


class _Part:
    """A batch of a graph's nodes or edges, as the networkx GEXF writer reads a graph."""

    def __init__(
        self,
        graph: nx.DiGraph,
        nodes: list[tuple[Any, dict[str, Any]]] | None = None,
        edges: list[tuple[Any, Any, dict[str, Any]]] | None = None,
    ) -> None:
        self.graph = graph.graph
        self.nodes = _NodeView(graph, nodes or [])
        self._edges = edges or []

    def edges(self, data: bool = True) -> Iterator[tuple[Any, Any, dict[str, Any]]]:
        return iter(self._edges)

    def is_multigraph(self) -> bool:
        return False


_XML_BATCH = 20_000


def _write_elements(
    path: Path,
    batches: Iterator[list[Any]],
    indent: Callable[[Any, int], None],
    level: int,
    namespace: str = "",
) -> tuple[bool, bool]:
    """Serialise batches of sibling XML elements into a file as a pretty-printed tree would.

    Each element is indented at ``level`` and written without its tail; siblings
    are joined by the newline and indentation of that level.

    Returns:
        ``(written, used)``: any element was written; ``namespace`` (an
        ``xmlns:...`` declaration ElementTree puts on a lone element, which a whole
        tree declares on its root) was used and removed.
    """
    from xml.etree.ElementTree import tostring

    first, used = True, False
    separator = "\n" + "  " * level
    with path.open("w", encoding="utf-8", errors="xmlcharrefreplace") as handle:
        for elements in batches:
            for element in elements:
                indent(element, level)
                element.tail = None
                text = tostring(element, encoding="unicode")
                if namespace and namespace in text:
                    used = True
                    text = text.replace(namespace, "", 1)
                handle.write(text if first else separator + text)
                first = False
    return not first, used


def _splice(path: Path, head: bytes, bodies: list[tuple[bytes, Path]]) -> None:
    """Write ``head`` with each mark replaced by the content of its body file."""
    rest = head
    with path.open("wb") as out:
        for mark, body in bodies:
            before, rest = rest.split(mark, 1)
            out.write(before)
            with body.open("rb") as handle:
                while block := handle.read(1 << 20):
                    out.write(block)
        out.write(rest)


def write_gexf(graph: nx.DiGraph, path: str | Path, *, batch: int = _XML_BATCH) -> None:
    """Write a graph as ``networkx.write_gexf`` does, byte for byte, in bounded memory.

    networkx builds the whole XML tree before it writes it (about 5 KB a node
    with spells: 1.5 GB for the 127k-node peak network of the 4M-record generated
    event). Here its own writer turns ``batch`` nodes (then edges) at a time into
    elements, which are indented and serialised into a temporary file beside
    ``path``; the document's head (attribute declarations, time format) is
    serialised last and the parts put together.

    Args:
        graph: A networkx graph (a multigraph is handed to ``networkx.write_gexf``).
        path: The file.
        batch: Nodes or edges turned into elements at a time.
    """
    from xml.etree.ElementTree import Element

    from networkx.readwrite.gexf import GEXFWriter

    path = Path(path)
    if graph.is_multigraph():
        nx.write_gexf(graph, path)
        return
    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    for _, _, data in graph.edges(data=True):  # what add_graph collects first
        if data.get("id") is not None:
            writer.all_edge_ids.add(str(data["id"]))
    element = Element(
        "graph",
        defaultedgetype="directed" if graph.is_directed() else "undirected",
        mode="dynamic" if graph.graph.get("mode") == "dynamic" else "static",
        name=graph.graph.get("name", ""),
    )
    writer.graph_element = element

    def batches(kind: str) -> Iterator[list[Any]]:
        items: Iterator[Any] = iter(
            graph.nodes(data=True) if kind == "nodes" else graph.edges(data=True)
        )
        while chunk := list(islice(items, batch)):
            holder = Element("holder")
            if kind == "nodes":
                writer.add_nodes(_Part(graph, nodes=chunk), holder)
            else:
                writer.add_edges(_Part(graph, edges=chunk), holder)
            yield list(holder[0])

    viz = f' xmlns:viz="{writer.NS_VIZ}"'
    with tempfile.TemporaryDirectory(prefix=".gexf-", dir=path.parent) as tmp:
        written = []
        any_viz = False
        for kind in ("nodes", "edges"):
            body = Path(tmp) / kind
            filled, used = _write_elements(body, batches(kind), writer.indent, 3, viz)
            any_viz |= used
            written.append((kind, body, filled))
        bodies = []
        for kind, body, filled in written:
            holder = Element(kind)
            if filled:  # a mark where the elements go; in the viz namespace if they use it
                tag = f"{kind}-here"
                holder.append(Element(f"{{{writer.NS_VIZ}}}{tag}" if any_viz else tag))
                bodies.append((f"<{'viz:' if any_viz else ''}{tag} />".encode(), body))
            element.append(holder)
        writer.xml.append(element)
        head = io.BytesIO()
        writer.write(head)
        _splice(path, head.getvalue(), bodies)


def write_graphml(graph: nx.DiGraph, path: str | Path, *, batch: int = _XML_BATCH) -> None:
    """Write a graph as ``networkx.write_graphml_xml`` does, byte for byte, in bounded memory.

    As :func:`write_gexf`: networkx's own writer makes ``batch`` nodes (then
    edges) at a time, the keys are declared in the head, written last. A graph
    with graph-level data or a multigraph is handed to networkx.

    Args:
        graph: A networkx graph.
        path: The file.
        batch: Nodes or edges turned into elements at a time.
    """
    from xml.etree.ElementTree import Element

    from networkx.readwrite.graphml import GraphMLWriter

    path = Path(path)
    if graph.is_multigraph() or set(graph.graph) - {"node_default", "edge_default"}:
        nx.write_graphml_xml(graph, path)
        return
    writer = GraphMLWriter(encoding="utf-8", prettyprint=True)
    element = Element("graph", edgedefault="directed" if graph.is_directed() else "undirected")

    def batches(kind: str) -> Iterator[list[Any]]:
        items: Iterator[Any] = iter(
            graph.nodes(data=True) if kind == "nodes" else graph.edges(data=True)
        )
        while chunk := list(islice(items, batch)):
            holder = Element("holder")
            writer.attributes = defaultdict(list)
            if kind == "nodes":
                writer.add_nodes(_Part(graph, nodes=chunk), holder)
            else:
                writer.add_edges(_Part(graph, edges=chunk), holder)
            for xml_obj, data in writer.attributes.items():  # as add_graph_element
                for k, v, scope, default in data:
                    xml_obj.append(
                        writer.add_data(
                            str(k), writer.attr_type(k, scope, v), str(v), scope, default
                        )
                    )
            yield list(holder)

    with tempfile.TemporaryDirectory(prefix=".graphml-", dir=path.parent) as tmp:
        bodies = []
        for kind in ("nodes", "edges"):
            body = Path(tmp) / kind
            filled, _ = _write_elements(body, batches(kind), writer.indent, 2)
            if filled:
                element.append(Element(f"{kind}-here"))
                bodies.append((f"<{kind}-here />".encode(), body))
        writer.xml.append(element)
        head = io.BytesIO()
        writer.dump(head)
        _splice(path, head.getvalue(), bodies)


def write_networks(
    table: pa.Table,
    out_dir: str | Path,
    start: TimeLike,
    end: TimeLike,
    *,
    bucket_minutes: int = 30,
    target: str | None = None,
    suffix: str = "peak",
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Write the mention and retweet networks of a window as dynamic GEXF and GraphML.

    Args:
        table: A corpus table (it may hold only the window's posts when
            ``labels`` is given).
        out_dir: The folder (created if missing).
        start: Start of the window (inclusive).
        end: End of the window (exclusive).
        bucket_minutes: Width of the time slices of the spells.
        target: The firestorm's target (its node is marked).
        suffix: File name suffix (``mention_network_<suffix>.gexf``).
        labels: Node id -> label (default :func:`account_labels` of ``table``).

    Returns:
        ``{"files": {key: Path}, "networks": {network: {"nodes", "edges", "target_found"}}}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    labels = account_labels(table) if labels is None else labels
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
            write_gexf(graph, temp)
        static = nx.DiGraph()
        static.add_nodes_from(
            (n, {k: v for k, v in d.items() if k not in ("spells", "viz")})
            for n, d in graph.nodes(data=True)
        )
        static.add_edges_from((u, v, {"weight": d["weight"]}) for u, v, d in graph.edges(data=True))
        graphml = out / f"{network}_network_{suffix}.graphml"
        write_graphml(static, graphml)
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
