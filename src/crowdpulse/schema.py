"""The normalised post schema: the one contract between every stage of crowdpulse.

Readers turn every input shape (Twitter API v1.1, API v2 pages, twarc2 flattened
lines, CSV exports) into rows of :data:`POST_SCHEMA`; every analysis reads only
these columns. A corpus is a Parquet file of this schema.

Fields, one post a row:

==========================  ======================  ==========================================
field                       type                    meaning
==========================  ======================  ==========================================
``id``                      string, required        the post id (``id_str``; never a float)
``created_at``              timestamp[us, UTC]      when it was posted; null only for CSVs
                                                    that carry no time
``author_id``               string                  the author's account id (pseudonymised
                                                    when a salt is given on ingest)
``author_handle``           string                  the author's screen name, without ``@``
                                                    (pseudonymised likewise)
``author_location``         string                  the free-text location of the author's
                                                    profile, as typed
``text``                    string                  the full text: ``extended_tweet.full_text``
                                                    / ``full_text`` / ``note_tweet.text`` where
                                                    present; for a retweet, the full text of the
                                                    retweeted post prefixed with ``RT @handle: ``
``lang``                    string                  the platform's language code (``en``, ``und``)
``retweeted_id``            string                  id of the retweeted post (null if none)
``retweeted_author_id``     string                  its author
``retweeted_author_handle`` string                  its author's handle
``quoted_id``               string                  id of the quoted post
``quoted_author_id``        string                  its author
``quoted_author_handle``    string                  its author's handle
``reply_to_id``             string                  id of the post replied to
``reply_to_author_id``      string                  its author
``reply_to_author_handle``  string                  its author's handle
``mention_ids``             list<string>            ids of the mentioned accounts, in text order
                                                    (null items where only a handle is known)
``mention_handles``         list<string>            their handles, lower-cased, same order
``hashtags``                list<string>            hashtags without ``#``, lower-cased, in order
``urls``                    list<string>            expanded URLs, in order
``longitude``               float64                 exact coordinates where the post has them
``latitude``                float64
``place_country_code``      string                  ISO 3166-1 alpha-2 of the tagged place
``label``                   string                  a label carried by the input itself (e.g. the
                                                    CrisisLexT26 information type), else null
``platform``                string                  where the post was made: ``twitter``,
                                                    ``bluesky``, ``mastodon``, ``reddit``,
                                                    ``telegram`` (or a third-party reader's name)
``source_format``           string                  the reader: ``v1``, ``v2``, ``twarc2-flat``,
                                                    ``csv``, ``bluesky-jetstream``, ... (see
                                                    :mod:`crowdpulse.io.registry`)
``source_file``             string                  the file the post was read from
``source_line``             int64                   its 1-based line in that file (for a v2 page,
                                                    the page's line); the data row for CSV
==========================  ======================  ==========================================

Later stages add columns (tokens, emojis, lexicon categories, labels, country);
they never change or drop these.
"""

from __future__ import annotations

from typing import Literal

import pyarrow as pa

__all__ = [
    "FORMATS",
    "POST_SCHEMA",
    "SourceFormat",
    "empty_table",
    "validate_table",
]

SourceFormat = Literal["v1", "v2", "twarc2-flat", "csv"]
FORMATS: tuple[str, ...] = ("v1", "v2", "twarc2-flat", "csv")

_STR = pa.string()
_STR_LIST = pa.list_(pa.string())

POST_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("id", _STR, nullable=False),
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
        pa.field("author_id", _STR),
        pa.field("author_handle", _STR),
        pa.field("author_location", _STR),
        pa.field("text", _STR),
        pa.field("lang", _STR),
        pa.field("retweeted_id", _STR),
        pa.field("retweeted_author_id", _STR),
        pa.field("retweeted_author_handle", _STR),
        pa.field("quoted_id", _STR),
        pa.field("quoted_author_id", _STR),
        pa.field("quoted_author_handle", _STR),
        pa.field("reply_to_id", _STR),
        pa.field("reply_to_author_id", _STR),
        pa.field("reply_to_author_handle", _STR),
        pa.field("mention_ids", _STR_LIST),
        pa.field("mention_handles", _STR_LIST),
        pa.field("hashtags", _STR_LIST),
        pa.field("urls", _STR_LIST),
        pa.field("longitude", pa.float64()),
        pa.field("latitude", pa.float64()),
        pa.field("place_country_code", _STR),
        pa.field("label", _STR),
        pa.field("platform", _STR),
        pa.field("source_format", _STR),
        pa.field("source_file", _STR),
        pa.field("source_line", pa.int64()),
    ],
    metadata={b"crowdpulse.schema": b"post/1"},
)


def empty_table() -> pa.Table:
    """Return a table of :data:`POST_SCHEMA` with no rows."""
    return POST_SCHEMA.empty_table()


def validate_table(table: pa.Table) -> pa.Table:
    """Check that ``table`` holds every post column with the right type.

    Extra columns (added by later stages) are allowed and kept. A corpus written
    before the ``platform`` column existed gets it (``twitter``, the only platform
    read then).

    Args:
        table: A table read from a corpus file.

    Returns:
        The same table (with ``platform`` added to an older corpus).

    Raises:
        InputError: A post column is missing or has the wrong type.
    """
    from crowdpulse.exceptions import InputError

    if "platform" not in table.column_names and "source_format" in table.column_names:
        # A corpus written before the platform column existed: all its readers were
        # Twitter's, so the column is added (at its place) rather than refused.
        at = table.column_names.index("source_format")
        table = table.add_column(
            at, POST_SCHEMA.field("platform"), pa.array(["twitter"] * table.num_rows, _STR)
        )
    for field in POST_SCHEMA:
        if field.name not in table.column_names:
            raise InputError("not a crowdpulse corpus: column is missing", field=field.name)
        actual = table.schema.field(field.name).type
        if actual != field.type:
            raise InputError(
                f"not a crowdpulse corpus: column has type {actual}, expected {field.type}",
                field=field.name,
            )
    return table
