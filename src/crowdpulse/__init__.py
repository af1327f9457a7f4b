"""crowdpulse: measure how crowds behave around crisis events.

The public API is listed in :data:`__all__` (guarded by a test); everything else is
internal. Names are imported on first use, so ``import crowdpulse`` stays fast and a
stage's heavy dependencies load only when that stage is used::

    import crowdpulse

    summary = crowdpulse.ingest(["posts.jsonl.gz"], "corpus.parquet")
    corpus = crowdpulse.read_corpus("corpus.parquet")
    crowdpulse.extract_emojis("Praying for Paris 🙏🏽🇫🇷")   # ['🙏🏽', '🇫🇷']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:  # what type checkers see; at run time the names load on first use
    from crowdpulse.detect import Pelt as Pelt
    from crowdpulse.detect import StreamingDetector as StreamingDetector
    from crowdpulse.detect import detect_changepoints as detect_changepoints
    from crowdpulse.event import Event as Event
    from crowdpulse.event import load_event as load_event
    from crowdpulse.exceptions import ConfigError as ConfigError
    from crowdpulse.exceptions import CrowdpulseError as CrowdpulseError
    from crowdpulse.exceptions import InputError as InputError
    from crowdpulse.exceptions import MissingExtraError as MissingExtraError
    from crowdpulse.exceptions import NotFittedError as NotFittedError
    from crowdpulse.geo import geocode as geocode
    from crowdpulse.geo import geotag as geotag
    from crowdpulse.io import IngestOptions as IngestOptions
    from crowdpulse.io import IngestSummary as IngestSummary
    from crowdpulse.io import ingest as ingest
    from crowdpulse.io import read_corpus as read_corpus
    from crowdpulse.io import read_posts as read_posts
    from crowdpulse.network import lexical_series as lexical_series
    from crowdpulse.network import window_metrics as window_metrics
    from crowdpulse.schema import POST_SCHEMA as POST_SCHEMA
    from crowdpulse.synth import SynthConfig as SynthConfig
    from crowdpulse.synth import synthesize as synthesize
    from crowdpulse.text import Lexicon as Lexicon
    from crowdpulse.text import add_features as add_features
    from crowdpulse.text import emoji_sentiment as emoji_sentiment
    from crowdpulse.text import extract_emojis as extract_emojis
    from crowdpulse.text import tokenize as tokenize

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    # the contract and the errors
    "POST_SCHEMA": "crowdpulse.schema",
    "CrowdpulseError": "crowdpulse.exceptions",
    "InputError": "crowdpulse.exceptions",
    "ConfigError": "crowdpulse.exceptions",
    "NotFittedError": "crowdpulse.exceptions",
    "MissingExtraError": "crowdpulse.exceptions",
    # the event description
    "Event": "crowdpulse.event",
    "load_event": "crowdpulse.event",
    # ingest
    "IngestOptions": "crowdpulse.io",
    "IngestSummary": "crowdpulse.io",
    "ingest": "crowdpulse.io",
    "read_corpus": "crowdpulse.io",
    "read_posts": "crowdpulse.io",
    # the generator
    "SynthConfig": "crowdpulse.synth",
    "synthesize": "crowdpulse.synth",
    # text features
    "Lexicon": "crowdpulse.text",
    "add_features": "crowdpulse.text",
    "emoji_sentiment": "crowdpulse.text",
    "extract_emojis": "crowdpulse.text",
    "tokenize": "crowdpulse.text",
    # geography
    "geocode": "crowdpulse.geo",
    "geotag": "crowdpulse.geo",
    # change points
    "Pelt": "crowdpulse.detect",
    "StreamingDetector": "crowdpulse.detect",
    "detect_changepoints": "crowdpulse.detect",
    # networks
    "lexical_series": "crowdpulse.network",
    "window_metrics": "crowdpulse.network",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'crowdpulse' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
