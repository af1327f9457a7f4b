"""Pseudonymisation of account ids and handles with a salted hash.

The same account gets the same pseudonym across files and runs with the same salt,
so networks and counts stay exact while the people stay unnamed. Handles are
compared case-insensitively (``@KLM`` and ``@klm`` are one account). Replaced:

- the id and handle columns and the mention lists;
- the same in ``author_location`` (a profile location may hold ``@mentions``);
- every mention in texts that Twitter links: ``@x``, ``.@x``, ``RT@x``, ``RT:@x``
  and the full-width ``＠x`` (any ``@`` or ``＠`` not preceded by a letter, digit or
  ``_!#$%&*@``; after ``RT`` always);
- account links in texts and in ``urls``: ``twitter.com/<handle>`` (also ``x.com``,
  ``www.``, ``mobile.``, ``m.``, ``#!/``), ``twitter.com/i/user/<id>``,
  ``intent/...?screen_name=<handle>`` and ``?user_id=<id>``. Post ids in
  ``/status/<id>`` stay, as in the ``id`` column: a post id is what a corpus is
  shared and deduplicated by.

Keep the salt secret: with it, a known handle can be tested against the pseudonyms.
"""

from __future__ import annotations

import functools
import hashlib
import re

import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.io.arrowops import map_list

__all__ = [
    "EXCERPT_MODES",
    "private_excerpt",
    "pseudonym",
    "pseudonymize_table",
    "pseudonymize_target",
    "pseudonymize_text",
]

_ID_COLUMNS = ("author_id", "retweeted_author_id", "quoted_author_id", "reply_to_author_id")
_HANDLE_COLUMNS = (
    "author_handle",
    "retweeted_author_handle",
    "quoted_author_handle",
    "reply_to_author_handle",
)
# A mention as Twitter links it: ``@`` or full-width ``＠`` not after a handle character
# or one of ``!#$%&*@``, and always after ``RT`` / ``RT:`` (``RT@x``). The whole run of
# handle characters is replaced, so a longer-than-allowed handle leaks nothing either.
_MENTION = re.compile(
    r"(?:(?<![A-Za-z0-9_!#$%&*@＠])|(?<=[Rr][Tt])|(?<=[Rr][Tt]:))[@＠]([A-Za-z0-9_]+)"
)
# A link to an account: scheme, sub-domain and ``#!/`` optional; the path's first segment.
_ACCOUNT_URL = re.compile(
    r"(?i)(?<![\w.-])((?:https?://)?(?:(?:www|mobile|m)\.)?(?:twitter|x)\.com/(?:#!/)?)"
    r"([A-Za-z0-9_]+)(/user/\d+|/user_id/\d+)?"
)
_URL_QUERY = re.compile(r"(?i)([?&](?:screen_name|user_id)=)([A-Za-z0-9_]+)")
# First path segments that are pages of the site, not accounts.
_SITE_PATHS = frozenset({
    "i", "intent", "search", "hashtag", "home", "share", "settings", "explore",
    "notifications", "messages", "compose", "login", "logout", "signup", "tos", "privacy",
    "rules", "who_to_follow", "account", "about", "download", "hashtags", "lists", "topics",
    "communities", "jobs",
})  # fmt: skip


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
    for name in ("text", "author_location"):  # a profile location may hold @mentions
        if name not in table.column_names:
            continue
        texts = [None if t is None else pseudonymize_text(t, salt) for t in table[name].to_pylist()]
        table = table.set_column(
            table.schema.get_field_index(name), name, pa.array(texts, pa.string())
        )
    if "urls" in table.column_names:
        urls = [
            None if u is None else [None if v is None else pseudonymize_text(v, salt) for v in u]
            for u in table["urls"].to_pylist()
        ]
        index = table.schema.get_field_index("urls")
        table = table.set_column(index, "urls", pa.array(urls, table.schema.field(index).type))
    return table


def pseudonymize_target(target: str | None, salt: str) -> str | None:
    """A firestorm target as a pseudonymised corpus holds it.

    Args:
        target: ``@account`` (replaced by ``@`` + its handle pseudonym) or ``#hashtag``
            (kept: hashtags are not accounts); None stays None.
        salt: The secret salt.

    Returns:
        The target to look for in the pseudonymised corpus.
    """
    if target is None or not target.startswith("@"):
        return target
    return "@" + pseudonym(target[1:], salt, kind="handle")


@functools.lru_cache(maxsize=65536)
def _handle(handle: str, salt: str) -> str:
    return pseudonym(handle, salt, kind="handle")


def pseudonymize_text(text: str, salt: str) -> str:
    """Replace the mentions and account links of a text (or URL) by pseudonyms.

    Args:
        text: A post text, a URL, or any text (a quarantine excerpt).
        salt: The secret salt.

    Returns:
        The text with every ``@handle`` (all forms Twitter links) and every account
        link (``twitter.com/<handle>``, ``x.com/<handle>``, ``i/user/<id>``,
        ``screen_name=``/``user_id=``) pseudonymised.
    """

    def account(match: re.Match[str]) -> str:
        segment = match.group(2)
        if segment.lower() in _SITE_PATHS:
            if segment.lower() == "i" and match.group(3):
                prefix, _, number = match.group(3).rpartition("/")
                return f"{match.group(1)}{segment}{prefix}/{pseudonym(number, salt)}"
            return match.group(0)
        return match.group(1) + _handle(segment.lower(), salt) + (match.group(3) or "")

    def query(match: re.Match[str]) -> str:
        value = match.group(2)
        if match.group(1).lower().endswith("user_id="):
            return match.group(1) + pseudonym(value, salt)
        return match.group(1) + _handle(value.lower(), salt)

    if "." in text or "/" in text:
        text = _ACCOUNT_URL.sub(account, text)
        if "=" in text:
            text = _URL_QUERY.sub(query, text)
    if "@" in text or "＠" in text:
        text = _MENTION.sub(lambda m: "@" + _handle(m.group(1).lower(), salt), text)
    return text


#: What a pseudonymised run keeps of a quarantined record's raw text.
EXCERPT_MODES = ("redact", "pseudonymize")

_HANDLE_FIELD = re.compile(
    r'(?i)("(?:screen_name|username|user_screen_name|in_reply_to_screen_name|author_handle|'
    r'handle|user|author|acct)"\s*:\s*")([^"\\]*)'
)
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z_])\d{6,}(?![0-9A-Za-z_])")


def private_excerpt(raw: str, salt: str, mode: str = "redact") -> str:
    """What a pseudonymised run writes to the quarantine of a rejected record.

    Args:
        raw: The start of the raw record.
        salt: The secret salt.
        mode: ``"redact"``: only the length is kept; ``"pseudonymize"``: mentions and
            account links (:func:`pseudonymize_text`), JSON handle fields
            (``screen_name``, ``username``...) and every number of 6 or more digits
            (account and post ids) are replaced by pseudonyms.

    Returns:
        The excerpt to write.

    Raises:
        ConfigError: An unknown mode.
    """
    if mode == "redact":
        return f"<redacted: {len(raw)} characters>"
    if mode != "pseudonymize":
        from crowdpulse.exceptions import ConfigError

        raise ConfigError(
            f"unknown excerpt mode {mode!r}; choose from {', '.join(EXCERPT_MODES)}",
            field="quarantine_excerpts",
        )
    text = pseudonymize_text(raw, salt)
    text = _HANDLE_FIELD.sub(
        lambda m: (
            m.group(1) + (_handle(m.group(2).lstrip("@").lower(), salt) if m.group(2) else "")
        ),
        text,
    )
    return _LONG_NUMBER.sub(lambda m: pseudonym(m.group(0), salt), text)
