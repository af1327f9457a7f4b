"""Readers of raw archives and the corpus writer (see :mod:`crowdpulse.io.ingest`)."""

from crowdpulse.io.corpus import read_corpus, write_table
from crowdpulse.io.ingest import IngestOptions, IngestSummary, ingest, read_posts
from crowdpulse.io.sniff import sniff

__all__ = [
    "IngestOptions",
    "IngestSummary",
    "ingest",
    "read_corpus",
    "read_posts",
    "sniff",
    "write_table",
]
