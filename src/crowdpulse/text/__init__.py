"""Text features: tokens, emojis, emoji sentiment and lexicon categories of posts.

The public API:

* :func:`tokenize` – tokens of a post (hashtags, mentions, URLs, emoticons, emojis whole);
* :func:`extract_emojis`, :func:`emoji_name`, :func:`normalize_emoji`,
  :func:`fold_skin_tones` – emojis as full sequences;
* :func:`emoji_sentiment` – the Emoji Sentiment Ranking score (Kralj Novak et al. 2015);
* :class:`Lexicon` – LIWC ``.dic`` files, the bundled open lexicon, Empath; scores posts
  like LIWC; :func:`register_lexicon` (or :data:`LEXICONS`, a
  :class:`crowdpulse.registry.Registry`) adds your own under a key;
* :func:`add_features` / :func:`features_file` – the ``features`` stage on a corpus.
"""

from __future__ import annotations

from crowdpulse.text.emojis import (
    emoji_name,
    extract_emojis,
    fold_skin_tones,
    is_emoji,
    normalize_emoji,
)
from crowdpulse.text.features import FEATURE_COLUMNS, add_features, features_file
from crowdpulse.text.lexicon import (
    LEXICONS,
    Lexicon,
    LexiconWarning,
    available_lexicons,
    register_lexicon,
)
from crowdpulse.text.sentiment import EmojiSentiment, emoji_sentiment, sentiment_table
from crowdpulse.text.tokenize import STOPWORDS, stopwords, token_kind, tokenize

__all__ = [
    "FEATURE_COLUMNS",
    "LEXICONS",
    "STOPWORDS",
    "EmojiSentiment",
    "Lexicon",
    "LexiconWarning",
    "add_features",
    "available_lexicons",
    "emoji_name",
    "emoji_sentiment",
    "extract_emojis",
    "features_file",
    "fold_skin_tones",
    "is_emoji",
    "normalize_emoji",
    "register_lexicon",
    "sentiment_table",
    "stopwords",
    "token_kind",
    "tokenize",
]
