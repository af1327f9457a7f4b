"""Emoji co-occurrence networks (Figures 1-4 of "I Stand With You").

Nodes are emojis, an edge joins two emojis used in the same post.

Edge weight, ``weighting="posts"`` (default): the number of posts in which the two
emojis co-occur. A post counts its *distinct* emojis: 🙏🙏🇫🇷 adds 1 to the pair
(🙏, 🇫🇷), not 2, and an emoji repeated alone in a post makes no self-loop. The
edge attribute ``posts`` always holds this number.

Edge weight, ``weighting="inverse_length"``: the paper's R code weighted each
post's pairs by 1 / (number of emojis in the post). Our reading: the number of
emoji *occurrences* in the post, repeats included (R's ``length()`` of the
extracted emoji vector), and each pair of distinct emojis of the post receives
that weight once. So 🙏🙏🇫🇷 adds 1/3 to (🙏, 🇫🇷); 🙏🇫🇷❤️ adds 1/3 to each of its
three pairs. Long emoji strings thus weigh less per pair than short ones.

Node attributes: ``emoji``, ``name`` (also ``label``, which Gephi shows since it
cannot draw emoji glyphs), ``count`` (occurrences in the group's posts),
``posts`` (posts using it), ``sentiment`` (only when the emoji has a score),
``strength`` (weighted degree: sum of the weights of its edges), ``degree`` and
``component`` (0 for the largest connected component, 1 for the next...).
``strength`` and ``degree`` are recomputed after :func:`prune`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np
import pyarrow as pa

from crowdpulse.emoji.lookup import (
    NameSource,
    SentimentSource,
    resolve_name_of,
    resolve_sentiment_of,
)
from crowdpulse.emoji.matrix import EmojiMatrix, emoji_matrix
from crowdpulse.exceptions import ConfigError
from crowdpulse.io.atomic import atomic_path

__all__ = [
    "WEIGHTINGS",
    "Component",
    "CooccurrenceSummary",
    "EmojiPair",
    "Weighting",
    "components",
    "cooccurrence_graph",
    "edges_to_arrow",
    "graph_from_counts",
    "nodes_to_arrow",
    "pair_counts",
    "prune",
    "strength_ranking",
    "summarize",
    "top_pairs",
    "write_gexf",
    "write_graphml",
]

Weighting = Literal["posts", "inverse_length"]
WEIGHTINGS: tuple[str, ...] = ("posts", "inverse_length")


@dataclass(frozen=True)
class EmojiPair:
    """An edge of the network.

    Attributes:
        source: The emoji that comes first in code-point order.
        target: The other emoji.
        weight: The edge weight (see the module doc for the weighting).
        posts: Posts in which the two co-occur.
    """

    source: str
    target: str
    weight: float
    posts: int


@dataclass(frozen=True)
class Component:
    """A connected component of the network.

    Attributes:
        index: 0 for the largest, then by decreasing size and strength.
        emojis: Its emojis, by decreasing strength (ties by code point).
        strength: Sum of its edge weights.
    """

    index: int
    emojis: tuple[str, ...]
    strength: float

    @property
    def size(self) -> int:
        """Number of emojis in the component."""
        return len(self.emojis)


@dataclass(frozen=True)
class CooccurrenceSummary:
    """What the paper reads off a co-occurrence network.

    Attributes:
        nodes: Number of emojis.
        edges: Number of co-occurring pairs.
        top_pairs: The most frequent pairs.
        central: The emojis with the largest strength (weighted degree): the ones a
            force-directed layout puts at the centre.
        components: The connected components, largest first; all but the first are
            the "disconnected components" the paper discusses.
    """

    nodes: int
    edges: int
    top_pairs: tuple[EmojiPair, ...]
    central: tuple[tuple[str, float], ...]
    components: tuple[Component, ...]


def _check_weighting(weighting: str) -> None:
    if weighting not in WEIGHTINGS:
        raise ConfigError(
            f"unknown weighting {weighting!r}; choose one of {', '.join(WEIGHTINGS)}",
            field="weighting",
        )


def cooccurrence_graph(
    emojis: EmojiMatrix | pa.Array | pa.ChunkedArray | Sequence[Sequence[str] | None],
    *,
    weighting: Weighting = "posts",
    name_of: NameSource = None,
    sentiment_of: SentimentSource = None,
) -> nx.Graph:
    """Build the co-occurrence network of a set of posts.

    Every emoji used in the posts is a node, including emojis that never co-occur
    (isolated nodes; :func:`prune` removes them by default).

    Args:
        emojis: The posts' emojis: an :class:`EmojiMatrix`, an ``emojis`` column or
            a list of lists.
        weighting: ``"posts"`` or ``"inverse_length"`` (see the module doc).
        name_of: Name source.
        sentiment_of: Sentiment source.

    Returns:
        An undirected :class:`networkx.Graph` whose nodes are the emoji strings.

    Raises:
        ConfigError: Unknown weighting.
    """
    _check_weighting(weighting)
    matrix = emojis if isinstance(emojis, EmojiMatrix) else emoji_matrix(emojis)
    totals = matrix.totals()
    posts = matrix.post_counts()
    nonzero = np.flatnonzero(totals).tolist()
    return graph_from_counts(
        {matrix.vocabulary[i]: int(totals[i]) for i in nonzero},
        {matrix.vocabulary[i]: int(posts[i]) for i in nonzero},
        pair_counts(matrix, weighting),
        weighting=weighting,
        name_of=name_of,
        sentiment_of=sentiment_of,
    )


def pair_counts(
    matrix: EmojiMatrix, weighting: Weighting = "posts"
) -> Counter[tuple[str, str, int]]:
    """Count the posts in which each pair of distinct emojis co-occurs.

    The counts are integers, so the counts of several batches of posts add up
    exactly (:func:`graph_from_counts` turns the sum into edge weights).

    Args:
        matrix: The posts' emoji matrix.
        weighting: ``"posts"``: keys ``(a, b, 0)``; ``"inverse_length"``: keys
            ``(a, b, length)``, the posts of each length (emoji occurrences) apart.

    Returns:
        ``{(a, b, length): posts}`` with ``a < b`` in code-point order.
    """
    _check_weighting(weighting)
    out: Counter[tuple[str, str, int]] = Counter()
    if not matrix.vocabulary or matrix.n_posts == 0:
        return out
    presence = matrix.presence()
    if weighting == "inverse_length":
        lengths = matrix.lengths()
        parts = [(int(n), presence[lengths == n]) for n in np.unique(lengths[lengths > 1])]
    else:
        parts = [(0, presence)]
    vocab = matrix.vocabulary
    for length, part in parts:
        product = (part.T @ part).tocoo()
        upper = product.row < product.col
        for r, c, n in zip(
            product.row[upper].tolist(),
            product.col[upper].tolist(),
            product.data[upper].tolist(),
            strict=True,
        ):
            out[vocab[r], vocab[c], length] += int(n)
    return out


def graph_from_counts(
    totals: Mapping[str, int],
    posts: Mapping[str, int],
    pairs: Mapping[tuple[str, str, int], int],
    *,
    weighting: Weighting = "posts",
    name_of: NameSource = None,
    sentiment_of: SentimentSource = None,
) -> nx.Graph:
    """Build the co-occurrence network from counts (summed over batches of posts).

    Args:
        totals: Occurrences of every emoji used (the nodes).
        posts: Posts using each emoji.
        pairs: What :func:`pair_counts` returns (or the sum of several).
        weighting: ``"posts"`` or ``"inverse_length"``.
        name_of: Name source.
        sentiment_of: Sentiment source.

    Returns:
        The network, nodes in code-point order, edges by (source, target).
    """
    _check_weighting(weighting)
    names = resolve_name_of(name_of)
    scores = resolve_sentiment_of(sentiment_of)
    graph = nx.Graph(weighting=weighting)
    for emoji in sorted(e for e, n in totals.items() if n > 0):
        attrs: dict[str, object] = {
            "emoji": emoji,
            "name": names(emoji),
            "count": int(totals[emoji]),
            "posts": int(posts.get(emoji, 0)),
        }
        attrs["label"] = attrs["name"]
        score = scores(emoji)
        if score is not None:
            attrs["sentiment"] = float(score)
        graph.add_node(emoji, **attrs)
    n_posts: dict[tuple[str, str], int] = {}
    weight: dict[tuple[str, str], float] = {}
    for (a, b, length), n in sorted(pairs.items()):
        if n <= 0:
            continue
        n_posts[a, b] = n_posts.get((a, b), 0) + int(n)
        if weighting == "inverse_length":
            weight[a, b] = weight.get((a, b), 0.0) + n / length
    for (a, b), n in n_posts.items():
        graph.add_edge(a, b, weight=weight[a, b] if weighting == "inverse_length" else n, posts=n)
    _annotate(graph)
    return graph


def _annotate(graph: nx.Graph) -> None:
    """Store ``strength``, ``degree`` and ``component`` on every node."""
    for node in graph.nodes:
        graph.nodes[node]["strength"] = float(graph.degree(node, weight="weight"))
        graph.nodes[node]["degree"] = int(graph.degree(node))
    for comp in components(graph):
        for emoji in comp.emojis:
            graph.nodes[emoji]["component"] = comp.index


def _by_strength(graph: nx.Graph, nodes: object = None) -> list[str]:
    chosen = graph.nodes if nodes is None else nodes
    return sorted(chosen, key=lambda n: (-graph.degree(n, weight="weight"), n))  # type: ignore[arg-type]


def prune(
    graph: nx.Graph,
    *,
    min_weight: float = 0.0,
    min_degree: int = 1,
    max_nodes: int | None = None,
) -> nx.Graph:
    """Keep the strong part of a network, in three steps.

    1. drop the edges whose weight is below ``min_weight``;
    2. if ``max_nodes`` is given, keep the ``max_nodes`` nodes of largest strength
       (ties by code point);
    3. drop the nodes with fewer than ``min_degree`` edges left (one pass, not a
       k-core).

    Args:
        graph: A network from :func:`cooccurrence_graph`.
        min_weight: Smallest edge weight kept (0 keeps all edges).
        min_degree: Smallest degree kept (1 drops isolated emojis, as a network
            drawn from an edge list does; 0 keeps them).
        max_nodes: Largest number of nodes kept, or None.

    Returns:
        A new graph with ``strength``, ``degree`` and ``component`` recomputed.

    Raises:
        ConfigError: A negative threshold.
    """
    if min_weight < 0:
        raise ConfigError("must be at least 0", field="min_weight")
    if min_degree < 0:
        raise ConfigError("must be at least 0", field="min_degree")
    if max_nodes is not None and max_nodes < 1:
        raise ConfigError("must be at least 1", field="max_nodes")
    pruned = nx.Graph(graph)
    pruned.remove_edges_from([(u, v) for u, v, w in pruned.edges(data="weight") if w < min_weight])
    if max_nodes is not None and pruned.number_of_nodes() > max_nodes:
        keep = set(_by_strength(pruned)[:max_nodes])
        pruned.remove_nodes_from([n for n in list(pruned.nodes) if n not in keep])
    pruned.remove_nodes_from([n for n in list(pruned.nodes) if pruned.degree(n) < min_degree])
    _annotate(pruned)
    return pruned


def top_pairs(graph: nx.Graph, k: int | None = 10) -> tuple[EmojiPair, ...]:
    """The heaviest edges: by weight, then posts, descending; ties by code point.

    Args:
        graph: A co-occurrence network.
        k: How many (None: all).

    Returns:
        The pairs, heaviest first.
    """
    pairs = []
    for u, v, data in graph.edges(data=True):
        a, b = (u, v) if u <= v else (v, u)
        pairs.append(EmojiPair(a, b, float(data["weight"]), int(data.get("posts", 0))))
    pairs.sort(key=lambda p: (-p.weight, -p.posts, p.source, p.target))
    return tuple(pairs if k is None else pairs[:k])


def strength_ranking(graph: nx.Graph, k: int | None = 10) -> tuple[tuple[str, float], ...]:
    """Emojis by strength (weighted degree), descending; ties by code point.

    Args:
        graph: A co-occurrence network.
        k: How many (None: all).

    Returns:
        ``(emoji, strength)`` pairs.
    """
    order = _by_strength(graph)
    if k is not None:
        order = order[:k]
    return tuple((n, float(graph.degree(n, weight="weight"))) for n in order)


def components(graph: nx.Graph) -> tuple[Component, ...]:
    """The connected components, largest first.

    Components are ordered by size, then total strength (both descending), then
    by their strongest emoji's code points.

    Args:
        graph: A co-occurrence network.

    Returns:
        The components with their index.
    """
    found = []
    for nodes in nx.connected_components(graph):
        ordered = _by_strength(graph, nodes)
        total = float(graph.subgraph(nodes).size(weight="weight"))
        found.append((ordered, total))
    found.sort(key=lambda item: (-len(item[0]), -item[1], item[0][0]))
    return tuple(Component(i, tuple(nodes), total) for i, (nodes, total) in enumerate(found))


def summarize(graph: nx.Graph, k: int = 10) -> CooccurrenceSummary:
    """Top pairs, central emojis and components of a network.

    Args:
        graph: A (pruned) co-occurrence network.
        k: Length of the top-pair and centre lists.

    Returns:
        The summary.
    """
    return CooccurrenceSummary(
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        top_pairs=top_pairs(graph, k),
        central=strength_ranking(graph, k),
        components=components(graph),
    )


def edges_to_arrow(graph: nx.Graph, *, group: str | None = None) -> pa.Table:
    """The edge list: ``group``, ``source``, ``target``, ``weight``, ``posts``, names.

    Args:
        graph: A co-occurrence network.
        group: Value of the ``group`` column (e.g. ``inside``).

    Returns:
        One row per edge, heaviest first.
    """
    pairs = top_pairs(graph, None)
    return pa.table(
        {
            "group": [group] * len(pairs),
            "source": [p.source for p in pairs],
            "target": [p.target for p in pairs],
            "weight": [p.weight for p in pairs],
            "posts": [p.posts for p in pairs],
            "source_name": [graph.nodes[p.source].get("name") for p in pairs],
            "target_name": [graph.nodes[p.target].get("name") for p in pairs],
        },
        schema=pa.schema(
            [
                ("group", pa.string()),
                ("source", pa.string()),
                ("target", pa.string()),
                ("weight", pa.float64()),
                ("posts", pa.int64()),
                ("source_name", pa.string()),
                ("target_name", pa.string()),
            ]
        ),
    )


def nodes_to_arrow(graph: nx.Graph, *, group: str | None = None) -> pa.Table:
    """The node list with every attribute, strongest first.

    Args:
        graph: A co-occurrence network.
        group: Value of the ``group`` column.

    Returns:
        Columns ``group``, ``emoji``, ``name``, ``count``, ``posts``, ``strength``,
        ``degree``, ``component``, ``sentiment``.
    """
    order = _by_strength(graph)
    data = [graph.nodes[n] for n in order]
    return pa.table(
        {
            "group": [group] * len(order),
            "emoji": order,
            "name": [d.get("name") for d in data],
            "count": [d.get("count") for d in data],
            "posts": [d.get("posts") for d in data],
            "strength": [d.get("strength") for d in data],
            "degree": [d.get("degree") for d in data],
            "component": [d.get("component") for d in data],
            "sentiment": [d.get("sentiment") for d in data],
        },
        schema=pa.schema(
            [
                ("group", pa.string()),
                ("emoji", pa.string()),
                ("name", pa.string()),
                ("count", pa.int64()),
                ("posts", pa.int64()),
                ("strength", pa.float64()),
                ("degree", pa.int64()),
                ("component", pa.int64()),
                ("sentiment", pa.float64()),
            ]
        ),
    )


def _exportable(graph: nx.Graph) -> nx.Graph:
    out = nx.Graph()
    out.graph.update({k: v for k, v in graph.graph.items() if isinstance(v, str | int | float)})
    for node, data in graph.nodes(data=True):
        out.add_node(node, **{k: v for k, v in data.items() if v is not None})
    for u, v, data in graph.edges(data=True):
        out.add_edge(u, v, **{k: val for k, val in data.items() if val is not None})
    return out


def write_gexf(graph: nx.Graph, path: str | Path) -> Path:
    """Write a network as GEXF 1.2 (Gephi), node labels = emoji names.

    Node ids are the emojis themselves; ``label`` is the name, because Gephi
    cannot draw emoji glyphs. ``networkx.read_gexf`` reads the file back.

    Args:
        graph: A co-occurrence network.
        path: The ``.gexf`` file.

    Returns:
        The path written.
    """
    path = Path(path)
    with atomic_path(path) as temp:  # never a half file, even when killed
        nx.write_gexf(_exportable(graph), temp)
    return path


def write_graphml(graph: nx.Graph, path: str | Path) -> Path:
    """Write a network as GraphML with every node and edge attribute.

    Args:
        graph: A co-occurrence network.
        path: The ``.graphml`` file.

    Returns:
        The path written.
    """
    path = Path(path)
    nx.write_graphml(_exportable(graph), path)
    return path
