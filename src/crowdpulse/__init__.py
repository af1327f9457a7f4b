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
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    # the contract and the errors
    "POST_SCHEMA": "crowdpulse.schema",
    "CrowdpulseError": "crowdpulse.exceptions",
    "InputError": "crowdpulse.exceptions",
    "RecordError": "crowdpulse.exceptions",
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
