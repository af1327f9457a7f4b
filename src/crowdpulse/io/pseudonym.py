"""Pseudonymisation of account ids and handles with a salted hash.

The same account gets the same pseudonym across files and runs with the same salt,
so networks and counts stay exact while the people stay unnamed. Handles are
compared case-insensitively (``@KLM`` and ``@klm`` are one account). ``@handles`` in
the text are replaced too. Keep the salt secret: with it, a known handle can be
tested against the pseudonyms.
"""

from __future__ import annotations

import functools
import hashlib
import re

import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.io.arrowops import map_list

__all__ = ["pseudonym", "pseudonymize_table"]

_ID_COLUMNS = ("author_id", "retweeted_author_id", "quoted_author_id", "reply_to_author_id")
_HANDLE_COLUMNS = (
    "author_handle",
    "retweeted_author_handle",
    "quoted_author_handle",
    "reply_to_author_handle",
)
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")


@functools.lru_cache(maxsize=8)
def _key(salt: str) -> bytes:
    """The hashing key derived from a salt (derived once per salt, not once per value)."""
    return hashlib.blake2b(salt.encode("utf-8"), digest_size=32).digest()


def pseudonym(value: str, salt: str, *, kind: str = "id") -> str:
    """The salted pseudonym of an id or a handle.

    Args:
        value: The account id or handle (handles are lower-cased first).
        salt: The secret salt.
        kind: ``"id"`` or ``"handle"``: the two never collide.

    Returns:
        20 hexadecimal characters (a ``u`` prefix for handles, so they stay valid handles).
    """
    key = _key(salt)
    text = value.lower() if kind == "handle" else value
    digest = hashlib.blake2b(f"{kind}:{text}".encode(), key=key, digest_size=10).hexdigest()
    return "u" + digest[:14] if kind == "handle" else digest


def _map_column(arr: pa.Array, salt: str, kind: str) -> pa.Array:
    encoded = (
        pc.dictionary_encode(arr).combine_chunks()
        if isinstance(arr, pa.ChunkedArray)
        else pc.dictionary_encode(arr)
    )
    mapped = pa.array(
        [
            None if v is None else pseudonym(v, salt, kind=kind)
            for v in encoded.dictionary.to_pylist()
        ],
        pa.string(),
    )
    return pc.take(mapped, encoded.indices)


def pseudonymize_table(table: pa.Table, salt: str) -> pa.Table:
    """Replace every account id and handle of a post table by its pseudonym.

    Args:
        table: Posts of :data:`~crowdpulse.schema.POST_SCHEMA`.
        salt: The secret salt.

    Returns:
        The table with ids, handles, mention lists and ``@handles`` in texts replaced.
    """
    for name in _ID_COLUMNS:
        table = table.set_column(
            table.schema.get_field_index(name), name, _map_column(table[name], salt, "id")
        )
    for name in _HANDLE_COLUMNS:
        table = table.set_column(
            table.schema.get_field_index(name), name, _map_column(table[name], salt, "handle")
        )
    table = table.set_column(
        table.schema.get_field_index("mention_ids"),
        "mention_ids",
        map_list(table["mention_ids"], lambda v: _map_column(v, salt, "id")),
    )
    table = table.set_column(
        table.schema.get_field_index("mention_handles"),
        "mention_handles",
        map_list(table["mention_handles"], lambda v: _map_column(v, salt, "handle")),
    )
    cache: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        handle = match.group(1).lower()
        if handle not in cache:
            cache[handle] = pseudonym(handle, salt, kind="handle")
        return "@" + cache[handle]

    texts = [None if t is None else _MENTION.sub(replace, t) for t in table["text"].to_pylist()]
    return table.set_column(
        table.schema.get_field_index("text"), "text", pa.array(texts, pa.string())
    )
