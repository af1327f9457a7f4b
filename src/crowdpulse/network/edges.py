"""Who links to whom: node identity and the edges of the mention and retweet networks.

Node identity
    A node is an account. Its id is the account id (``author_id``,
    ``mention_ids[i]``, ``retweeted_author_id``). Where the id is null, the node
    falls back to ``"@"`` followed by the lower-cased handle (``@klm``); the ``@``
    keeps a handle from ever colliding with a numeric account id. A mention or
    author with neither id nor handle creates no edge. An account seen once by id
    and once only by handle becomes two nodes (the corpus does not say they are the
    same).

Mention network
    Edge ``u -> v`` if a post of ``u`` mentions ``v`` (every entry of
    ``mention_ids`` / ``mention_handles``, which for replies include the leading
    ``@name``). Retweets are left out by default: the paper counts mentions in
    tweets, and a retweet only repeats the mentions of the retweeted post (for
    API v1.1 and v2 the list also holds the inherited ``RT @x``). With
    ``include_retweets=True`` a retweet's mention list counts like any other.
    Quotes and replies are ordinary posts.

Retweet network
    Edge ``u -> v`` if ``u`` posted a retweet of a post of ``v``. A post is a
    retweet if any of ``retweeted_id``, ``retweeted_author_id`` or
    ``retweeted_author_handle`` is set.

Self-loops (an account mentioning or retweeting itself) are dropped.

A *mention post* is a post that is not a retweet (unless ``include_retweets``)
and has at least one mention with an id or handle, self-mentions included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.exceptions import ConfigError, InputError

__all__ = [
    "EncodedEdges",
    "Network",
    "PostEdges",
    "author_nodes",
    "encode_edges",
    "mention_post_mask",
    "network_edges",
    "retweet_post_mask",
]

Network = Literal["mention", "retweet"]


@dataclass(frozen=True)
class PostEdges:
    """The edges that the posts of a table create, one entry an (edge, post) pair.

    Attributes:
        post: int64 row number of the post that creates the edge.
        source: The source node ids (string array), self-loops removed.
        target: The target node ids, same length.
        linking: One bool a row: the post links to at least one account in this
            network before self-loops are removed (for the mention network: the
            mention posts; for the retweet network: retweets whose author is known).
    """

    post: np.ndarray
    source: pa.Array
    target: pa.Array
    linking: np.ndarray


@dataclass(frozen=True)
class EncodedEdges:
    """Edges with nodes as integers.

    Attributes:
        post: int64 row number of the post that creates the edge.
        source: int64 node codes of the sources.
        target: int64 node codes of the targets.
        names: The node ids (string array); code ``k`` is ``names[k]``. The codes
            follow the lexicographic order of the ids.
    """

    post: np.ndarray
    source: np.ndarray
    target: np.ndarray
    names: pa.Array

    @property
    def n_nodes(self) -> int:
        """Number of distinct nodes."""
        return len(self.names)


def _column(table: pa.Table, name: str) -> pa.Array:
    if name not in table.column_names:
        raise InputError("not a crowdpulse corpus: column is missing", field=name)
    column = table.column(name)
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _handle_nodes(handles: pa.Array) -> pa.Array:
    lowered = pc.utf8_lower(handles.cast(pa.string()))
    return pc.binary_join_element_wise("@", lowered, "")


def _with_fallback(ids: pa.Array, handles: pa.Array) -> pa.Array:
    ids = ids.cast(pa.string())
    if ids.null_count == 0:
        return ids
    missing = ids.is_null()
    return pc.replace_with_mask(ids, missing, _handle_nodes(handles.filter(missing)))


def author_nodes(table: pa.Table) -> pa.Array:
    """Return the node id of each post's author.

    Args:
        table: A corpus table (``author_id``, ``author_handle``).

    Returns:
        A string array: ``author_id``, or ``"@" + lower(author_handle)`` where the id
        is null, or null where both are.

    Raises:
        InputError: A column is missing.
    """
    return _with_fallback(_column(table, "author_id"), _column(table, "author_handle"))


def retweet_post_mask(table: pa.Table) -> np.ndarray:
    """Return a bool array: True for posts that are retweets.

    Args:
        table: A corpus table.

    Returns:
        True where ``retweeted_id``, ``retweeted_author_id`` or
        ``retweeted_author_handle`` is set.

    Raises:
        InputError: A column is missing.
    """
    mask = np.zeros(table.num_rows, dtype=bool)
    for name in ("retweeted_id", "retweeted_author_id", "retweeted_author_handle"):
        mask |= np.asarray(pc.is_valid(_column(table, name)), dtype=bool)
    return mask


def _mention_targets(table: pa.Table) -> tuple[np.ndarray, pa.Array]:
    """Return ``(post, target)`` for every mention with an id or handle."""
    ids = _column(table, "mention_ids")
    handles = _column(table, "mention_handles")
    ids_valid = np.asarray(pc.is_valid(ids), dtype=bool)
    handles_valid = np.asarray(pc.is_valid(handles), dtype=bool)
    id_len = np.asarray(pc.list_value_length(ids).fill_null(0), dtype=np.int64)
    handle_len = np.asarray(pc.list_value_length(handles).fill_null(0), dtype=np.int64)
    both = ids_valid & handles_valid
    mismatch = both & (id_len != handle_len)
    if mismatch.any():
        row = int(np.flatnonzero(mismatch)[0])
        raise InputError(
            f"row {row}: mention_ids and mention_handles differ in length "
            f"({id_len[row]} and {handle_len[row]})",
            field="mention_ids",
        )
    posts: list[np.ndarray] = []
    targets: list[pa.Array] = []
    # Rows with ids (and, where present, handles of the same length): id, else @handle.
    for rows, with_handles in ((both, True), (ids_valid & ~handles_valid, False)):
        if not rows.any():
            continue
        picked = pa.array(rows)
        sub_ids = ids.filter(picked)
        flat_ids = pc.list_flatten(sub_ids)
        parents = np.flatnonzero(rows)[np.asarray(pc.list_parent_indices(sub_ids), dtype=np.int64)]
        if with_handles:
            flat = _with_fallback(flat_ids, pc.list_flatten(handles.filter(picked)))
        else:
            flat = flat_ids.cast(pa.string())
        posts.append(parents)
        targets.append(flat)
    rows = ~ids_valid & handles_valid
    if rows.any():
        sub = handles.filter(pa.array(rows))
        posts.append(np.flatnonzero(rows)[np.asarray(pc.list_parent_indices(sub), dtype=np.int64)])
        targets.append(_handle_nodes(pc.list_flatten(sub)))
    if not posts:
        return np.zeros(0, dtype=np.int64), pa.array([], type=pa.string())
    post = np.concatenate(posts)
    target = pa.concat_arrays(targets)
    keep = np.asarray(pc.is_valid(target), dtype=bool)
    return post[keep], target.filter(pa.array(keep))


def mention_post_mask(table: pa.Table, *, include_retweets: bool = False) -> np.ndarray:
    """Return a bool array: True for mention posts.

    A mention post has at least one mention with an id or a handle (mentions of the
    author included) and is not a retweet, unless ``include_retweets``.

    Args:
        table: A corpus table.
        include_retweets: Count retweets that carry mentions too.

    Returns:
        One bool a row.

    Raises:
        InputError: A column is missing, or a row's ``mention_ids`` and
            ``mention_handles`` differ in length.
    """
    post, _ = _mention_targets(table)
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[post] = True
    if not include_retweets:
        mask &= ~retweet_post_mask(table)
    return mask


def network_edges(
    table: pa.Table, network: Network = "mention", *, include_retweets: bool = False
) -> PostEdges:
    """Return the edges each post creates in the mention or retweet network.

    Args:
        table: A corpus table.
        network: ``"mention"`` or ``"retweet"``.
        include_retweets: For the mention network: let retweets' mentions count.

    Returns:
        One entry per (post, edge); a post mentioning the same account twice gives
        two entries. Self-loops and edges with an unknown end are left out.

    Raises:
        InputError: A column is missing or malformed.
        ConfigError: ``network`` is not ``"mention"`` or ``"retweet"``.
    """
    if network == "mention":
        post, target = _mention_targets(table)
        if not include_retweets and post.size:
            keep = ~retweet_post_mask(table)[post]
            post, target = post[keep], target.filter(pa.array(keep))
    elif network == "retweet":
        retweets = retweet_post_mask(table)
        targets = _with_fallback(
            _column(table, "retweeted_author_id"), _column(table, "retweeted_author_handle")
        )
        post = np.flatnonzero(retweets & np.asarray(pc.is_valid(targets), dtype=bool))
        target = targets.take(pa.array(post))
    else:
        raise ConfigError(
            f"unknown network {network!r}; expected 'mention' or 'retweet'", field="network"
        )
    linking = np.zeros(table.num_rows, dtype=bool)
    linking[post] = True
    post = post.astype(np.int64)
    source = _with_fallback(
        _column(table, "author_id").take(pa.array(post)),
        _column(table, "author_handle").take(pa.array(post)),
    )
    keep_arr = pc.and_(pc.is_valid(source), pc.not_equal(source, target))
    keep = np.asarray(keep_arr.fill_null(False), dtype=bool)
    if keep.all():
        return PostEdges(post=post, source=source, target=target, linking=linking)
    picked = pa.array(keep)
    return PostEdges(
        post=post[keep],
        source=source.filter(picked),
        target=target.filter(picked),
        linking=linking,
    )


def encode_edges(edges: PostEdges) -> EncodedEdges:
    """Number the nodes of ``edges`` in the lexicographic order of their ids.

    Args:
        edges: Edges as returned by :func:`network_edges`.

    Returns:
        The same edges with int64 node codes.
    """
    both = pa.chunked_array([edges.source, edges.target], type=pa.string())
    encoded = both.dictionary_encode().combine_chunks()
    dictionary = encoded.dictionary
    order = np.asarray(pc.sort_indices(dictionary), dtype=np.int64)
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size, dtype=np.int64)
    codes = rank[np.asarray(encoded.indices, dtype=np.int64)]
    n = len(edges.source)
    return EncodedEdges(
        post=edges.post,
        source=codes[:n],
        target=codes[n:],
        names=dictionary.take(pa.array(order)),
    )
