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

- the other platforms' forms, with the pseudonym the columns hold: Bluesky domain
  handles (``@name.bsky.social``), ``bsky.app/profile/...`` links and every DID, also
  inside the ``at://`` post ids; Mastodon ``@user@instance``, a short ``@user`` that is
  an account of the row, ``https://instance/@user`` and ``/users/user`` links; Reddit
  ``u/name``, ``/u/name`` and ``reddit.com/user/name``; Telegram senders' display names
  (4 characters or more) in the export's texts, and forward sources in forward ids.

A corpus written with a salt records a keyed check value of it in its Parquet schema
metadata (:data:`PSEUDONYM_METADATA`), so ``firestorm --event`` with ``[privacy]`` can
refuse a raw corpus (:func:`check_pseudonymized`).

Keep the salt secret: with it, a known handle can be tested against the pseudonyms.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.io.arrowops import map_list

__all__ = [
    "EXCERPT_MODES",
    "PSEUDONYM_METADATA",
    "check_pseudonymized",
    "private_excerpt",
    "pseudonym",
    "pseudonymize_table",
    "pseudonymize_target",
    "pseudonymize_text",
    "pseudonymized_schema",
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
# The run also takes a domain (Bluesky ``@name.bsky.social``: a dot or hyphen followed
# by a handle character) and a Mastodon instance (``@user@instance.social``).
_MENTION = re.compile(
    r"(?:(?<![A-Za-z0-9_!#$%&*@＠])|(?<=[Rr][Tt])|(?<=[Rr][Tt]:))[@＠]"
    r"([A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?)?)"
)
# Reddit ``u/name`` and ``/u/name`` (not inside a path or word), and reddit.com user pages.
_REDDIT_USER = re.compile(
    r"(?i)((?:(?<=reddit\.com)/(?:u|user)/)|(?:(?<![\w/.-])/?u/))([A-Za-z0-9_-]{2,})"
)
# Fediverse profile links ``https://instance/@user`` and ``https://instance/users/user``
# (the account is ``user@instance``) and Bluesky ``bsky.app/profile/<handle or did>``.
_FEDI_URL = re.compile(
    r"(?i)(?<![\w.-])((?:https?://)?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?)/(?:@|users/))"
    r"([A-Za-z0-9_]+)(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))?"
)
_DID = re.compile(r"(?<![\w:])did:[a-z]+:[A-Za-z0-9._%-]+")
_POST_ID_COLUMNS = ("id", "retweeted_id", "quoted_id", "reply_to_id")
# The column of the account a forward id names (``forward:<source>:<hash>``).
_POST_ID_OWNER = {"id": "author_id", "retweeted_id": "retweeted_author_id",
                  "quoted_id": "quoted_author_id", "reply_to_id": "reply_to_author_id"}  # fmt: skip
_DONE = "\ue000"  # a private-use mark on a replaced profile link, removed at the end
_BSKY_PROFILE = re.compile(r"(?i)(bsky\.app/profile/)([A-Za-z0-9_:.-]+)")
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
    rows = _raw_row_accounts(table)  # before the handle columns are replaced
    for name in _POST_ID_COLUMNS:  # a Bluesky post id holds its author's DID
        if name in table.column_names:
            index = table.schema.get_field_index(name)
            owners = table[_POST_ID_OWNER.get(name, name)].to_pylist()
            values = [
                None if v is None else _post_id(v, salt, owner)
                for v, owner in zip(table[name].to_pylist(), owners, strict=True)
            ]
            field = table.schema.field(index)  # keeps ``id``'s nullable=False
            table = table.set_column(index, field, pa.array(values, field.type))
    display = _display_names(table)
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
    names_re = (
        re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in display) + r")(?!\w)")
        if display
        else None
    )
    platforms = (
        table["platform"].to_pylist() if "platform" in table.column_names else [None] * len(rows)
    )
    for name in ("text", "author_location"):  # a profile location may hold @mentions
        if name not in table.column_names:
            continue
        texts: list[str | None] = []
        for text, known, platform in zip(table[name].to_pylist(), rows, platforms, strict=True):
            if text is None:
                texts.append(None)
                continue
            if names_re is not None and platform == "telegram":
                text = names_re.sub(lambda m: _handle(m.group(1).lower(), salt), text)
            texts.append(pseudonymize_text(text, salt, known))
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


def pseudonymize_text(text: str, salt: str, known: Mapping[str, str] | None = None) -> str:
    """Replace the mentions and account links of a text (or URL) by pseudonyms.

    Args:
        text: A post text, a URL, or any text (a quarantine excerpt).
        salt: The secret salt.
        known: The row's accounts (lower-cased text form to handle, see
            :func:`_row_accounts`): a mention is replaced by the pseudonym of the
            account it names, so ``@alexl`` in a Mastodon text gets the pseudonym of
            ``alexl@mstdn.io`` in the columns. Without it, the whole mention is hashed.

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

    def mention(match: re.Match[str]) -> str:
        run = match.group(1)
        return "@" + _resolve(run, known) if known else "@" + _handle(run.lower(), salt)

    def _resolve(run: str, names: Mapping[str, str]) -> str:
        # The longest start of the run that is an account of the row: ``@klm.Great``
        # is ``klm`` on Twitter, ``@alexl`` is ``alexl@mstdn.io`` on Mastodon.
        head = run
        while True:
            found = names.get(head.lower())
            if found is not None:
                return _handle(found, salt) + run[len(head) :]
            cut = max(head.rfind("."), head.rfind("-"), head.rfind("@"), head.rfind(":"))
            if cut <= 0:
                return _handle(run.lower(), salt)
            head = head[:cut]

    def fediverse(match: re.Match[str]) -> str:
        host = (match.group(4) or match.group(2)).lower()
        # The mark keeps the mention pass from taking ``/@<pseudonym>`` for a mention.
        return match.group(1) + _DONE + _handle(f"{match.group(3).lower()}@{host}", salt)

    def bluesky(match: re.Match[str]) -> str:
        value = match.group(2)
        if value.lower().startswith("did:"):
            return match.group(1) + pseudonym(value, salt)
        return match.group(1) + _handle(value.lower(), salt)

    if "." in text or "/" in text:
        text = _ACCOUNT_URL.sub(account, text)
        if "=" in text:
            text = _URL_QUERY.sub(query, text)
        if "/" in text:
            text = _FEDI_URL.sub(fediverse, text)
            text = _BSKY_PROFILE.sub(bluesky, text)
    if "did:" in text:
        text = _DID.sub(lambda m: pseudonym(m.group(0), salt), text)
    if "u/" in text or "U/" in text:
        text = _REDDIT_USER.sub(lambda m: m.group(1) + _handle(m.group(2).lower(), salt), text)
    if "@" in text or "＠" in text:
        text = _MENTION.sub(mention, text)
    return text.replace(_DONE, "") if _DONE in text else text


def _row_accounts(handles: list[str | None]) -> dict[str, str]:
    """The forms a row's accounts take in its text.

    The handle, and a Mastodon ``user@instance``'s local part (``@user``) when no other
    account of the row has it.
    """
    names: dict[str, str] = {}
    local: dict[str, str | None] = {}
    for handle in handles:
        if not handle:
            continue
        full = handle.lower()
        names[full] = full
        if "@" in full:
            part = full.split("@", 1)[0]
            local[part] = full if local.get(part, full) == full else None
    for part, owner in local.items():
        if owner is not None:
            names.setdefault(part, owner)
    return names


def _post_id(value: str, salt: str, owner: str | None) -> str:
    """A post id with the account ids inside it pseudonymised.

    A Bluesky post is ``at://<author DID>/app.bsky.feed.post/<key>``: the DID is
    replaced by its id pseudonym (the same as in ``author_id``), so posts stay unique
    and replies still find their parent. A Telegram forward is
    ``forward:<source id or name>:<hash>``: the source is replaced.
    """
    if "did:" in value:
        value = _DID.sub(lambda m: pseudonym(m.group(0), salt), value)
    if value.startswith("forward:"):
        source, _, digest = value[len("forward:") :].rpartition(":")
        if source:
            private = pseudonym(source, salt) if source == owner else _handle(source.lower(), salt)
            value = f"forward:{private}:{digest}"
    return value


def _raw_row_accounts(table: pa.Table) -> list[dict[str, str]]:
    """Per row, the accounts its text may name (:func:`_row_accounts`)."""
    columns = [table[c].to_pylist() for c in _HANDLE_COLUMNS]
    mentions = table["mention_handles"].to_pylist()
    return [
        _row_accounts([*(column[i] for column in columns), *(mentions[i] or ())])
        for i in range(table.num_rows)
    ]


def _display_names(table: pa.Table) -> list[str]:
    """Telegram display names (the ``from`` of an export) worth looking for in texts.

    Telegram has no handle in a message, only the sender's display name; it is replaced
    in every text of the export's posts. Names shorter than 4 characters (``Me``) are
    kept: they are words of the language more often than names.
    """
    if "platform" not in table.column_names:
        return []
    names: set[str] = set()
    platforms = table["platform"].to_pylist()
    for column in _HANDLE_COLUMNS:
        for platform, name in zip(platforms, table[column].to_pylist(), strict=True):
            if platform == "telegram" and name and len(name.strip()) >= 4:
                names.add(name.strip())
    return sorted(names, key=lambda n: (-len(n), n))


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


#: The Parquet schema metadata key that a pseudonymised ``ingest`` writes: its value is
#: a keyed check value of the salt (one more pseudonym), never the salt.
PSEUDONYM_METADATA = b"crowdpulse.pseudonymized"
_PSEUDONYM_FORMS = (re.compile(r"[0-9a-f]{20}"), re.compile(r"u[0-9a-f]{14}"))


def _salt_check(salt: str) -> bytes:
    return pseudonym("crowdpulse-corpus-salt-check", salt).encode()


def pseudonymized_schema(schema: pa.Schema, salt: str) -> pa.Schema:
    """The schema of a corpus pseudonymised with ``salt`` (it records that it is).

    Args:
        schema: The corpus schema.
        salt: The secret salt.

    Returns:
        The schema with :data:`PSEUDONYM_METADATA` in its metadata.
    """
    return schema.with_metadata({**(schema.metadata or {}), PSEUDONYM_METADATA: _salt_check(salt)})


def check_pseudonymized(path: str | Path, salt: str, salt_env: str | None = None) -> None:
    """Refuse a corpus that does not hold the pseudonyms of ``salt``.

    A corpus written by ``ingest`` with a salt records it (:data:`PSEUDONYM_METADATA`).
    A file without the record (a features file of an older version, a corpus
    pseudonymised by hand) passes when every account id and handle of its first
    100,000 rows has the form of a pseudonym.

    Args:
        path: A Parquet corpus or features file.
        salt: The secret salt of the run.
        salt_env: The environment variable holding it (named in the message).

    Raises:
        InputError: The corpus holds raw accounts, or pseudonyms of another salt.
    """
    from crowdpulse.exceptions import InputError
    from crowdpulse.io.corpus import open_parquet

    how = f"--pseudonymize-salt-env {salt_env}" if salt_env else "the same salt"
    reader = open_parquet(path)
    recorded = (reader.schema_arrow.metadata or {}).get(PSEUDONYM_METADATA)
    if recorded is not None:
        if recorded != _salt_check(salt):
            raise InputError(
                f"the corpus was pseudonymised with another salt: ingest it again with {how}",
                path=str(path),
            )
        return
    names = [n for n in (*_ID_COLUMNS, *_HANDLE_COLUMNS) if n in reader.schema_arrow.names]
    seen = 0
    for batch in reader.iter_batches(batch_size=65_536, columns=names):
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            form = _PSEUDONYM_FORMS[0 if name.endswith("_id") else 1]
            for value in pc.unique(column).to_pylist():
                if value is not None and not form.fullmatch(value):
                    raise InputError(
                        "the event has [privacy] but the corpus holds raw accounts: "
                        f"ingest it with {how}",
                        path=str(path),
                        field=name,
                    )
        seen += batch.num_rows
        if seen >= 100_000:
            break
