"""Build crowdpulse's open lexicon and stopword list (src/crowdpulse/text/data/).

Run from the project root:

    .venv/bin/python scripts/build_open_lexicon.py            # write the files
    .venv/bin/python scripts/build_open_lexicon.py --check    # fail if they are out of date

Sources (see docs/text.md for the provenance table):

* posemo / negemo: the VADER lexicon (vaderSentiment 3.3.2, MIT licence,
  ``vaderSentiment/vader_lexicon.txt``): every entry whose mean valence is at least
  +MIN_VALENCE (posemo) or at most -MIN_VALENCE (negemo), that the crowdpulse tokenizer
  keeps as one word or emoticon token, less the EXCLUDE list below.
* i, we, you, shehe, they, anx, anger, sad, cogproc, percept, netspeak, assent, nonflu,
  filler, swear: the hand-written lists in ``scripts/open_lexicon/*.txt`` (each file
  starts with a comment on how it was made).
* LIWC's hierarchy: ppron = i + we + you + shehe + they; negemo also holds every anx,
  anger and sad entry; affect = posemo + negemo; informal = netspeak + assent + nonflu +
  filler + swear.
* Wildcards: a hand-written stem ``x*`` covers VADER words starting with ``x``. When those
  VADER words all have the same polarity and the stem is an anx, anger, sad, swear or
  netspeak stem, the stem takes that polarity (``fuck*`` is negemo as VADER's 'fuck' is)
  and the covered words are dropped as redundant. Then every
  entry lying under a stem must have exactly the stem's categories: the file is
  *prefix-consistent*, so matchers that let the exact entry win (LIWC, crowdpulse) and
  matchers that let the shortest stem win (the ``liwc`` package) count the same. The
  script fails, listing them, when entries conflict; fix the hand lists.
* Stopwords: scikit-learn's ENGLISH_STOP_WORDS (BSD-3-Clause; from the Glasgow
  Information Retrieval Group), plus apostrophe contractions of its words.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HAND = ROOT / "scripts" / "open_lexicon"
DATA = ROOT / "src" / "crowdpulse" / "text" / "data"

CATEGORIES = (
    "i", "we", "you", "shehe", "they", "ppron",
    "posemo", "negemo", "anx", "anger", "sad", "affect",
    "cogproc", "percept",
    "netspeak", "assent", "nonflu", "filler", "swear", "informal",
)  # fmt: skip
HAND_CATEGORIES = (
    "i", "we", "you", "shehe", "they", "anx", "anger", "sad",
    "cogproc", "percept", "netspeak", "assent", "nonflu", "filler", "swear",
)  # fmt: skip
PARENTS = {
    "i": ("ppron",), "we": ("ppron",), "you": ("ppron",), "shehe": ("ppron",),
    "they": ("ppron",),
    "anx": ("negemo", "affect"), "anger": ("negemo", "affect"), "sad": ("negemo", "affect"),
    "posemo": ("affect",), "negemo": ("affect",),
    "netspeak": ("informal",), "assent": ("informal",), "nonflu": ("informal",),
    "filler": ("informal",), "swear": ("informal",),
}  # fmt: skip
MIN_VALENCE = 1.5
# VADER entries that are not emotion words in LIWC's sense: function and discourse words.
EXCLUDE = {
    "like": "preposition, conjunction and filler far more often than the verb in posts",
    "yes": "assent, not emotion",
    "yeah": "assent, not emotion",
    "yea": "assent, not emotion",
    "agree": "assent, not emotion",
    "agreed": "assent, not emotion",
    "okay": "assent, not emotion",
    "ok": "assent, not emotion",
    "no": "negation, not emotion",
    "well": "discourse marker far more often than 'in good health'",
    "please": "politeness marker",
}
# Stems of these categories may take the VADER polarity of the words they cover; a stem of
# another category (cogproc: 'wonder*' would cover 'wonderful') must not cover polar words.
INHERIT = frozenset({"anx", "anger", "sad", "swear", "netspeak"})
VADER_KINDS = frozenset({"word", "emoticon"})  # not numbers: VADER's "0:03" is a face
CONTRACTIONS = ("n't", "'s", "'m", "'re", "'ve", "'d", "'ll")


def read_hand(category: str) -> list[str]:
    """Return the entries of one hand-written list (comments and blank lines left out)."""
    lines = (HAND / f"{category}.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip().lower() for ln in lines if ln.strip() and not ln.startswith("#")]


def read_vader() -> dict[str, float]:
    """Return VADER's mean valence per lower-cased entry of the installed vaderSentiment."""
    import vaderSentiment

    path = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    out: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        word, mean = line.split("\t")[:2]
        key = word.lower()
        value = float(mean)
        # Case variants (':D' and ':d') keep the stronger valence.
        if key not in out or abs(value) > abs(out[key]):
            out[key] = value
    return out


def single_token(pattern: str, kinds: frozenset[str] | None = None) -> bool:
    """Tell whether each word of ``pattern`` is one token of the tokenizer, of ``kinds``."""
    from crowdpulse.text.tokenize import WORD_KINDS, raw_tokens, token_kind

    kinds = kinds or WORD_KINDS
    if pattern.endswith("*"):
        pattern = pattern[:-1]
    for word in pattern.split(" "):
        # Matching is case-insensitive: ':d' stands for the emoticon ':D'.
        if not any(
            len(raws) == 1 and raws[0].lower() == word and token_kind(raws[0]) in kinds
            for raws in (raw_tokens(word), raw_tokens(word.upper()))
        ):
            return False
    return True


def build(min_valence: float) -> tuple[dict[str, set[str]], list[str], dict[str, object]]:
    """Assemble pattern -> categories; return it, the conflicts found and some counts."""
    table: dict[str, set[str]] = {}
    problems: list[str] = []
    hand: dict[str, list[str]] = {c: read_hand(c) for c in HAND_CATEGORIES}
    for category, patterns in hand.items():
        for pattern in patterns:
            if not single_token(pattern.rstrip("*")) and " " not in pattern:
                problems.append(f"{category}: {pattern!r} is not one token of the tokenizer")
            if " " in pattern and not single_token(pattern):
                problems.append(f"{category}: phrase {pattern!r} has a word that is not one token")
            cats = table.setdefault(pattern, set())
            cats.add(category)
            cats.update(PARENTS.get(category, ()))
    vader = read_vader()
    polar: dict[str, str] = {}
    for word, value in vader.items():
        if word in EXCLUDE or abs(value) < min_valence or not single_token(word, VADER_KINDS):
            continue
        polar[word] = "posemo" if value > 0 else "negemo"
    # Stems take the polarity of the VADER words they cover, when those agree.
    stems = sorted((p for p in table if p.endswith("*")), key=len)
    inherited: list[str] = []
    for stem in stems:
        prefix = stem[:-1]
        covered = {polar[w] for w in polar if w.startswith(prefix)}
        if len(covered) == 1 and table[stem] & INHERIT:
            pole = covered.pop()
            if pole not in table[stem]:
                table[stem].update((pole, "affect"))
                inherited.append(f"{stem} -> {pole}")
    for word, pole in polar.items():
        cats = table.setdefault(word, set())
        cats.update((pole, "affect"))
    # An entry under a stem belongs to the stem's categories too (that is what the stem
    # says); after that it must carry exactly the stem's categories (prefix consistency),
    # and is then redundant.
    redundant = 0
    for stem in stems:
        prefix = stem[:-1]
        for pattern in list(table):
            if pattern == stem or " " in pattern or not pattern.startswith(prefix):
                continue
            if table[pattern] | table[stem] == table[stem]:
                del table[pattern]
                redundant += 1
            else:
                extra = sorted(table[pattern] - table[stem])
                problems.append(f"{pattern!r} lies under {stem!r} but also has {extra}")
    stats = {"vader_words": len(polar), "stems_inheriting_polarity": ", ".join(inherited),
             "redundant_dropped": redundant}  # fmt: skip
    return table, problems, stats


def render_dic(table: dict[str, set[str]]) -> str:
    """Write the table as a LIWC2015-style .dic (numeric ids, tab-separated)."""
    index = {c: i + 1 for i, c in enumerate(CATEGORIES)}
    lines = ["%"] + [f"{index[c]}\t{c}" for c in CATEGORIES] + ["%"]
    for pattern in sorted(table):
        ids = sorted(index[c] for c in table[pattern])
        lines.append("\t".join([pattern, *map(str, ids)]))
    return "\n".join(lines) + "\n"


def render_stopwords() -> str:
    """Return the stopword file's text."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = set(ENGLISH_STOP_WORDS)
    extra = set()
    for word in ("i", "you", "he", "she", "it", "we", "they", "that", "there", "what", "who"):
        extra.update(word + c for c in CONTRACTIONS if c not in ("n't",))
    for word in ("do", "does", "did", "is", "are", "was", "were", "have", "has", "had",
                 "could", "would", "should", "ca", "wo"):  # fmt: skip
        extra.add(word + "n't")
    header = (
        "# English stopwords: scikit-learn's ENGLISH_STOP_WORDS (BSD-3-Clause; from the\n"
        "# Glasgow Information Retrieval Group) plus contractions of its words.\n"
        "# Generated by scripts/build_open_lexicon.py; do not edit.\n"
    )
    return header + "\n".join(sorted(words | extra)) + "\n"


def provenance(table: dict[str, set[str]]) -> str:
    """Return the provenance table (Markdown) of docs/text.md."""
    rows = ["| category | entries | of which wildcards | source |", "|---|---|---|---|"]
    for category in CATEGORIES:
        entries = [p for p, cats in table.items() if category in cats]
        stars = sum(p.endswith("*") for p in entries)
        if category in ("posemo", "negemo"):
            source = f"VADER mean valence {'>=' if category == 'posemo' else '<='} "
            source += f"{'+' if category == 'posemo' else '-'}{MIN_VALENCE}"
            if category == "negemo":
                source += " + anx, anger, sad"
        elif category in HAND_CATEGORIES:
            source = f"hand list `scripts/open_lexicon/{category}.txt`"
        else:
            source = "union of its subcategories"
        rows.append(f"| {category} | {len(entries)} | {stars} | {source} |")
    return "\n".join(rows)


def main() -> int:
    """Build or check the files; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the shipped files differ")
    parser.add_argument("--min-valence", type=float, default=MIN_VALENCE)
    parser.add_argument("--table", action="store_true", help="print the provenance table")
    args = parser.parse_args()
    table, problems, stats = build(args.min_valence)
    if problems:
        print("conflicts in the open lexicon:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    outputs = {
        DATA / "open_lexicon.dic": render_dic(table),
        DATA / "stopwords_en.txt": render_stopwords(),
    }
    stale = [p for p, text in outputs.items() if not p.is_file() or p.read_text("utf-8") != text]
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    print(f"{len(table)} entries; {stats}")
    if args.table:
        print(provenance(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
