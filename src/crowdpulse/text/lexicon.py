"""Word-category lexicons: LIWC ``.dic`` files, the bundled open lexicon, Empath.

A :class:`Lexicon` maps words to categories and scores a post like LIWC does: the
percentage of the post's words that fall in each category (or the raw counts).

Matching (our reading of LIWC's rules, the same for every source):

* Words are the ``word``, ``number`` and ``emoticon`` tokens of
  :func:`crowdpulse.text.tokenize` in lower case; URLs, mentions, hashtags and
  emojis are not words and count neither in the categories nor in the word count.
* An entry ending in ``*`` matches every word that starts with the part before
  it (``hope*`` matches hope, hoped, hopeful); other entries match exactly.
* An exact entry wins over wildcard entries; among wildcard entries the longest
  wins. A word is counted once in each category of the one entry it matches.
* A multi-word entry (``kind of``) matches consecutive words, longest entry
  first; it is counted once per category, and its words are not matched again
  one by one. Every word still counts in the word count.
* LIWC2007 conditional categories (``like  02 134 (02 134)125/464 (53)126 253``):
  ``(X Y)A/B`` means: if the previous word of the post belongs to category X or
  Y, the word counts in A, otherwise in B; ``(X)A`` without ``/B`` counts in A
  only under the condition. The previous word's categories are those it was
  counted in (its own conditions resolved first). So "I like it" counts *like*
  in 125 (affect: "I" is a pronoun, 02) and "it was, like, huge" in 464 (filler).

Lexicons are found by a string key in a registry (:data:`LEXICONS`, a
:class:`crowdpulse.registry.Registry`; :func:`register_lexicon` adds one):
``"open"`` (bundled, see ``docs/text.md`` for its provenance) and ``"empath"``
(the Empath package, imported only when asked for). Third-party packages add
theirs with an entry point of the group ``crowdpulse.lexicons`` naming a
:class:`Lexicon` or a function that returns one. A path to a ``.dic`` file works
as a key too.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from crowdpulse.exceptions import ConfigError, InputError, MissingExtraError
from crowdpulse.io.atomic import write_text_atomic
from crowdpulse.registry import Registry

__all__ = [
    "DERIVED_PAIRS",
    "LEXICONS",
    "Lexicon",
    "LexiconWarning",
    "available_lexicons",
    "register_lexicon",
]

DERIVED_PAIRS: tuple[tuple[str, str], ...] = (
    ("posemo", "negemo"),
    ("emo_pos", "emo_neg"),
    ("positive_emotion", "negative_emotion"),
)
"""Category pairs from which ``emo`` = positive - negative is derived (first found wins)."""

_REF_TOKEN = re.compile(r"\([^)]*\)\S*|\S+")
_CONDITION = re.compile(r"\(\s*([^)]*?)\s*\)\s*([^/\s]+)(?:/(\S+))?")


class LexiconWarning(UserWarning):
    """A dictionary file had entries that could not be used as written."""


@dataclass(frozen=True)
class Condition:
    """A LIWC2007 conditional category: ``(if_any)then/otherwise``.

    Attributes:
        if_any: Category indices; the condition holds when the previous word
            was counted in any of them.
        then: Category index counted when it holds (None: nothing).
        otherwise: Category index counted when it does not (None: nothing).
    """

    if_any: frozenset[int]
    then: int | None
    otherwise: int | None


@dataclass(frozen=True)
class Entry:
    """What one dictionary entry assigns.

    Attributes:
        categories: Category indices always counted, sorted.
        conditions: Conditional categories (LIWC2007), resolved per context.
    """

    categories: tuple[int, ...]
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    entry: Entry


def _matches(pattern: str, word: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


def _normalize_pattern(text: str) -> str:
    return " ".join(text.replace("’", "'").lower().split())


@dataclass
class Lexicon:
    """A word-category lexicon that scores posts like LIWC.

    Build one with :meth:`from_dic`, :meth:`from_categories` or :meth:`load`.

    Attributes:
        name: A short label (the registry key or the file name).
        categories: The lexicon's categories, in file order.
        derived: Categories computed from others: ``("emo",)`` when the
            lexicon has a positive and a negative emotion category
            (:data:`DERIVED_PAIRS`), else ``()``.
    """

    name: str
    categories: tuple[str, ...]
    _exact: dict[str, Entry] = field(repr=False)
    _stems: dict[str, Entry] = field(repr=False)
    _phrases: tuple[_Phrase, ...] = field(default=(), repr=False)
    derived: tuple[str, ...] = field(init=False)
    _stem_lengths: tuple[int, ...] = field(init=False, repr=False)
    _emo_pair: tuple[int, int] | None = field(init=False, repr=False)
    _cache: dict[str, Entry | None] = field(init=False, repr=False, compare=False)
    _phrase_cache: dict[str, tuple[_Phrase, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(set(self.categories)) != len(self.categories):
            raise ConfigError("a lexicon's category names must be unique", field="categories")
        self._stem_lengths = tuple(sorted({len(s) for s in self._stems}, reverse=True))
        self._emo_pair = None
        self.derived = ()
        if "emo" not in self.categories:
            for pos, neg in DERIVED_PAIRS:
                if pos in self.categories and neg in self.categories:
                    self._emo_pair = (self.categories.index(pos), self.categories.index(neg))
                    self.derived = ("emo",)
                    break
        self._phrases = tuple(sorted(self._phrases, key=lambda p: -len(p.words)))
        self._cache = {}
        self._phrase_cache = {}

    # -- pickling: drop the caches ------------------------------------------------
    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_cache"] = {}
        state["_phrase_cache"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_categories(
        cls, words: Mapping[str, Iterable[str]], *, name: str = "custom"
    ) -> Lexicon:
        """Build a lexicon from category names and their word patterns.

        Args:
            words: For each category, its entries: words, wildcard prefixes
                (``hope*``) or multi-word entries (``kind of``).
            name: A label for the lexicon.

        Returns:
            The lexicon; a pattern listed under several categories counts in each.

        Raises:
            ConfigError: No categories are given.
        """
        categories = tuple(words)
        if not categories:
            raise ConfigError("a lexicon needs at least one category", field="categories")
        table: dict[str, set[int]] = {}
        for index, category in enumerate(categories):
            for pattern in words[category]:
                key = _normalize_pattern(pattern)
                if key and key != "*":
                    table.setdefault(key, set()).add(index)
        return cls._build(name, categories, {k: (v, []) for k, v in table.items()})

    @classmethod
    def _build(
        cls,
        name: str,
        categories: tuple[str, ...],
        table: Mapping[str, tuple[set[int], list[Condition]]],
    ) -> Lexicon:
        exact: dict[str, Entry] = {}
        stems: dict[str, Entry] = {}
        phrases: list[_Phrase] = []
        for pattern, (cats, conditions) in table.items():
            entry = Entry(tuple(sorted(cats)), tuple(conditions))
            if " " in pattern:
                phrases.append(_Phrase(tuple(pattern.split(" ")), entry))
            elif pattern.endswith("*"):
                stems[pattern[:-1]] = entry
            else:
                exact[pattern] = entry
        return cls(name, categories, exact, stems, tuple(phrases))

    @classmethod
    def from_dic(
        cls,
        path: str | Path,
        *,
        conditionals: Literal["apply", "ignore"] = "apply",
        name: str | None = None,
    ) -> Lexicon:
        """Read a LIWC dictionary file (LIWC2007, LIWC2015 or LIWC-22 ``.dic``).

        The file starts with a ``%`` line, then one category a line (an id, then
        the name, then optional text such as a description), then ``%``, then one
        entry a line: the word pattern, then its categories. Fields are separated
        by tabs or spaces; a multi-word entry (``kind of``) is best separated from
        its categories by a tab (with spaces only, the entry ends at the first
        token that names a category). Categories are referred to by id (``02``
        and ``2`` are the same) or by name (LIWC-22). LIWC2007 conditional
        categories ``(X Y)A/B`` are applied as the module docstring says.

        Args:
            path: The ``.dic`` file (UTF-8, or Windows-1252 as LIWC2007 wrote it).
            conditionals: ``"apply"`` the conditional categories, or ``"ignore"``
                them (only the plain categories count; a warning gives the count).
            name: A label; defaults to the file name without extension.

        Returns:
            The lexicon.

        Raises:
            InputError: The file is missing, empty or has no category header.

        Warns:
            LexiconWarning: Entries referred to unknown categories or had no
                category (they are skipped, with a count), or conditions were
                ignored.
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError("dictionary file not found", path=str(path)) from None
        except IsADirectoryError:
            raise InputError("expected a .dic file, got a folder", path=str(path)) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        categories, table, problems = _parse_dic(text, str(path), conditionals)
        if any(problems.values()):
            parts = [f"{count} {what}" for what, count in problems.items() if count]
            warnings.warn(f"{path}: " + "; ".join(parts), LexiconWarning, stacklevel=2)
        return cls._build(name or path.stem, categories, table)

    @classmethod
    def load(cls, key: str | Path) -> Lexicon:
        """Return a lexicon by registry key (``"open"``, ``"empath"``, ...) or ``.dic`` path.

        Args:
            key: A key of :func:`available_lexicons`, or a path to a LIWC ``.dic``.

        Returns:
            The lexicon (registry lexicons are loaded once per process and shared).

        Raises:
            ConfigError: The key is neither registered nor an existing file, or its
                plug-in fails to import.
            MissingExtraError: The key needs a package that is not installed.
        """
        if isinstance(key, str) and key in LEXICONS:
            with _LOCK:
                if key not in _LOADED:
                    _LOADED[key] = LEXICONS.get(key)()
                return _LOADED[key]
        path = Path(key)
        if path.is_file():
            return cls.from_dic(path)
        raise ConfigError(
            f"unknown lexicon {str(key)!r}: use one of {', '.join(available_lexicons())} "
            "or the path of a LIWC .dic file",
            field="lexicon",
        )

    # -- matching ------------------------------------------------------------------
    def lookup(self, word: str) -> Entry | None:
        """Return the entry a single (lower-case) word matches, or None.

        Args:
            word: One word in lower case.

        Returns:
            The exact entry, else the longest matching wildcard entry, else None.
        """
        cache = self._cache
        if word in cache:
            return cache[word]
        entry = self._exact.get(word)
        if entry is None and self._stems:
            size = len(word)
            for length in self._stem_lengths:
                if length <= size:
                    entry = self._stems.get(word[:length])
                    if entry is not None:
                        break
        if len(cache) > 200_000:
            cache.clear()
        cache[word] = entry
        return entry

    def phrases_from(self, word: str) -> tuple[_Phrase, ...]:
        """Return the multi-word entries whose first word matches ``word``, longest first."""
        if not self._phrases:
            return ()
        found = self._phrase_cache.get(word)
        if found is None:
            found = tuple(p for p in self._phrases if _matches(p.words[0], word))
            if len(self._phrase_cache) > 200_000:
                self._phrase_cache.clear()
            self._phrase_cache[word] = found
        return found

    @property
    def has_context(self) -> bool:
        """True when some entries depend on neighbouring words (phrases or conditions)."""
        if self._phrases:
            return True
        return any(e.conditions for e in self._exact.values()) or any(
            e.conditions for e in self._stems.values()
        )

    def count_words(self, words: Sequence[str]) -> list[int]:
        """Count the words of one post in each category (phrases and conditions applied).

        Args:
            words: The post's words, in order and in lower case.

        Returns:
            One count per category of :attr:`categories`.
        """
        counts = [0] * len(self.categories)
        previous: Iterable[int] = ()
        i = 0
        n = len(words)
        while i < n:
            word = words[i]
            entry: Entry | None = None
            span = 1
            for phrase in self.phrases_from(word):
                size = len(phrase.words)
                if i + size <= n and all(
                    _matches(p, w)
                    for p, w in zip(phrase.words[1:], words[i + 1 : i + size], strict=True)
                ):
                    entry, span = phrase.entry, size
                    break
            if entry is None:
                entry = self.lookup(word)
            if entry is None:
                previous = ()
            elif entry.conditions:
                hit = set(entry.categories)
                before = set(previous)
                for cond in entry.conditions:
                    chosen = cond.then if cond.if_any & before else cond.otherwise
                    if chosen is not None:
                        hit.add(chosen)
                for c in hit:
                    counts[c] += 1
                previous = hit
            else:
                for c in entry.categories:
                    counts[c] += 1
                previous = entry.categories
            i += span
        return counts

    def categories_of(self, word: str) -> tuple[str, ...]:
        """Return the categories one word counts in, out of context.

        Args:
            word: A word (any case).

        Returns:
            Its categories; conditional categories are resolved as for a word
            with no previous word.
        """
        counts = self.count_words([_normalize_pattern(word)])
        return tuple(c for c, k in zip(self.categories, counts, strict=True) if k)

    @property
    def output_names(self) -> tuple[str, ...]:
        """The keys :meth:`score` returns: :attr:`categories` then :attr:`derived`."""
        return self.categories + self.derived

    def finish(
        self, counts: Sequence[float], word_count: int, *, counts_only: bool = False
    ) -> dict[str, float]:
        """Turn raw category counts into the values :meth:`score` returns.

        Args:
            counts: One count per category.
            word_count: The post's number of words.
            counts_only: Return raw counts instead of percentages.

        Returns:
            Category name → percentage of words (or count), plus the derived
            ``emo``. A post with no words gets 0.0 everywhere, as in LIWC.
        """
        if counts_only:
            values = [float(c) for c in counts]
        elif word_count:
            scale = 100.0 / word_count
            values = [c * scale for c in counts]
        else:
            values = [0.0] * len(counts)
        out = dict(zip(self.categories, values, strict=True))
        if self._emo_pair is not None:
            pos, neg = self._emo_pair
            out["emo"] = values[pos] - values[neg]
        return out

    def score(self, text: str, *, counts: bool = False) -> dict[str, float]:
        """Score one post like LIWC: the percentage of its words in each category.

        Args:
            text: The post text.
            counts: Return raw counts (words counted in each category) instead
                of percentages.

        Returns:
            Category name → value, for every category and the derived ``emo``
            (posemo - negemo) when the lexicon has both.

        Examples:
            >>> lex = Lexicon.from_categories({"i": ["i", "me"], "posemo": ["love*"],
            ...                                "negemo": ["sad"]})
            >>> lex.score("I love Paris ❤️ #paris")["posemo"]
            33.33333333333333
        """
        words = post_words(text)
        return self.finish(self.count_words(words), len(words), counts_only=counts)

    # -- writing --------------------------------------------------------------------
    def entries(self) -> list[tuple[str, Entry]]:
        """Return every entry as ``(pattern, entry)``, sorted by pattern."""
        items = [(k, e) for k, e in self._exact.items()]
        items += [(k + "*", e) for k, e in self._stems.items()]
        items += [(" ".join(p.words), p.entry) for p in self._phrases]
        return sorted(items)

    def to_dic(self, path: str | Path) -> Path:
        """Write the lexicon as a LIWC2015-style ``.dic`` file (tab-separated, numeric ids).

        Args:
            path: Where to write.

        Returns:
            The path written.
        """
        path = Path(path)
        lines = ["%"]
        lines += [f"{i + 1}\t{name}" for i, name in enumerate(self.categories)]
        lines.append("%")
        for pattern, entry in self.entries():
            refs = [str(c + 1) for c in entry.categories]
            for cond in entry.conditions:
                ids = " ".join(str(c + 1) for c in sorted(cond.if_any))
                then = "" if cond.then is None else str(cond.then + 1)
                other = "" if cond.otherwise is None else f"/{cond.otherwise + 1}"
                refs.append(f"({ids}){then}{other}")
            lines.append("\t".join([pattern, *refs]))
        write_text_atomic(path, "\n".join(lines) + "\n")
        return path

    def __len__(self) -> int:
        return len(self._exact) + len(self._stems) + len(self._phrases)


def post_words(text: str) -> list[str]:
    """Return the words of a post as lexicons match them (lower case).

    Args:
        text: A post text.

    Returns:
        The ``word``, ``number`` and ``emoticon`` tokens, lower-cased, in order.
    """
    from crowdpulse.text.tokenize import WORD_KINDS, _token_forms, raw_tokens

    out = []
    for raw in raw_tokens(text):
        kind, written, _ = _token_forms(raw)
        if kind in WORD_KINDS:
            out.append(written.lower())
    return out


# -- the .dic reader ------------------------------------------------------------------------


def _parse_dic(
    text: str, path: str, conditionals: Literal["apply", "ignore"]
) -> tuple[tuple[str, ...], dict[str, tuple[set[int], list[Condition]]], dict[str, int]]:
    lines = text.splitlines()
    pos = 0
    while pos < len(lines) and not lines[pos].strip():
        pos += 1
    if pos >= len(lines):
        raise InputError("the dictionary file is empty", path=path)
    if lines[pos].strip() != "%":
        raise InputError(
            "not a LIWC .dic file: the first line must be '%'", path=path, line=pos + 1
        )
    pos += 1
    names: list[str] = []
    refs: dict[str, int] = {}
    all_numeric = True
    while pos < len(lines) and lines[pos].strip() != "%":
        raw = lines[pos].strip()
        pos += 1
        if not raw:
            continue
        parts = raw.split(None, 2)
        if len(parts) < 2:
            raise InputError(
                "a category line needs an id and a name", path=path, line=pos, field="categories"
            )
        ident, cname = parts[0], parts[1]
        if cname in names:
            raise InputError(
                f"category {cname!r} is defined twice", path=path, line=pos, field="categories"
            )
        index = len(names)
        names.append(cname)
        all_numeric = all_numeric and ident.isdigit()
        for key in {ident, str(int(ident)) if ident.isdigit() else ident}:
            if key in refs:
                raise InputError(
                    f"category id {ident!r} is used twice", path=path, line=pos, field="categories"
                )
            refs[key] = index
    if pos >= len(lines):
        raise InputError("not a LIWC .dic file: the category list has no closing '%'", path=path)
    if not names:
        raise InputError("the dictionary defines no categories", path=path, field="categories")
    by_name = {n: i for i, n in enumerate(names)}
    by_name_lower = {n.lower(): i for i, n in enumerate(names)}

    def ref(token: str) -> int | None:
        if token in refs:
            return refs[token]
        if token.isdigit() and str(int(token)) in refs:
            return refs[str(int(token))]
        found = by_name.get(token)
        return found if found is not None else by_name_lower.get(token.lower())

    # Entries refer to categories by number (LIWC2007/2015) or by name (LIWC-22); the
    # last field of the entry lines tells which. Only in name mode does a category
    # name end the word part of a space-separated entry.
    last_fields = [ln.split()[-1] for ln in lines[pos + 1 :] if len(ln.split()) > 1]
    by_names = not all_numeric or any(
        not f.isdigit() and not f.startswith("(") and ref(f) is not None for f in last_fields
    )

    def is_ref(token: str) -> bool:
        if token.startswith("(") and _CONDITION.fullmatch(token):
            return True
        if token.isdigit():
            return True
        return by_names and ref(token) is not None

    problems = {
        "entries without categories skipped": 0,
        "references to unknown categories skipped": 0,
        "conditional categories ignored (plain categories kept)": 0,
        "conditions on unknown categories (never true)": 0,
    }
    table: dict[str, tuple[set[int], list[Condition]]] = {}
    for number in range(pos + 1, len(lines)):
        line = lines[number].strip()
        if not line:
            continue
        if "\t" in line:
            head, _, rest = line.partition("\t")
            pattern = head.strip()
            tokens = _REF_TOKEN.findall(rest)
        else:
            tokens = _REF_TOKEN.findall(line)
            cut = 1
            while cut < len(tokens) and not is_ref(tokens[cut]):
                cut += 1
            pattern = " ".join(tokens[:cut])
            tokens = tokens[cut:]
        pattern = _normalize_pattern(pattern)
        if not pattern or pattern == "*" or not tokens:
            problems["entries without categories skipped"] += 1
            continue
        cats, conds = table.setdefault(pattern, (set(), []))
        for token in tokens:
            match = _CONDITION.fullmatch(token) if token.startswith("(") else None
            if match is None:
                found = ref(token)
                if found is None:
                    problems["references to unknown categories skipped"] += 1
                else:
                    cats.add(found)
                continue
            if conditionals == "ignore":
                problems["conditional categories ignored (plain categories kept)"] += 1
                continue
            conditions = [ref(t) for t in match.group(1).split()]
            if any(i is None for i in conditions):
                problems["conditions on unknown categories (never true)"] += 1
            if_any = frozenset(i for i in conditions if i is not None)
            then = ref(match.group(2)) if match.group(2) else None
            other = ref(match.group(3)) if match.group(3) else None
            if (match.group(2) and then is None) or (match.group(3) and other is None):
                problems["references to unknown categories skipped"] += 1
            conds.append(Condition(if_any, then, other))
        if not cats and not conds:
            del table[pattern]
            problems["entries without categories skipped"] += 1
    return tuple(names), table, problems


# -- the registry ---------------------------------------------------------------------------

_LOCK = threading.Lock()
_LOADED: dict[str, Lexicon] = {}


def _load_open() -> Lexicon:
    """The bundled open lexicon: LIWC-style categories from open sources (see docs/text.md)."""
    path = resources.files("crowdpulse.text") / "data" / "open_lexicon.dic"
    with resources.as_file(path) as real:
        return Lexicon.from_dic(real, name="open")


def _load_empath() -> Lexicon:
    """Empath's 194 categories (needs the extra: empath)."""
    try:
        import empath
    except ImportError:
        raise MissingExtraError("empath", "empath") from None
    tsv = Path(empath.__file__).parent / "data" / "categories.tsv"
    words: dict[str, list[str]] = {}
    with tsv.open(encoding="utf-8") as handle:
        for line in handle:
            cols = line.rstrip("\n").split("\t")
            if cols and cols[0]:
                words[cols[0]] = [w.replace("_", " ") for w in cols[1:] if w]
    return Lexicon.from_categories(words, name="empath")


def _plugin_lexicon(key: str, found: object) -> Callable[[], Lexicon]:
    """A lexicon entry point names a :class:`Lexicon` or a function returning one."""
    if isinstance(found, Lexicon):
        return lambda: found
    if callable(found):
        return found
    raise TypeError(f"{found!r} is neither a Lexicon nor a function returning one")


LEXICONS: Registry[Callable[[], Lexicon]] = Registry(
    "lexicon",
    {"open": _load_open, "empath": _load_empath},
    group="crowdpulse.lexicons",
    adapt=_plugin_lexicon,
)
"""Lexicon key -> a function that builds the lexicon (called once, on first use)."""


def register_lexicon(key: str, factory: Callable[[], Lexicon], *, replace: bool = False) -> None:
    """Make a lexicon available under a string key (for :meth:`Lexicon.load` and the CLI).

    Args:
        key: The key, e.g. ``"mylex"``.
        factory: A function that builds the lexicon; called once, on first use.
        replace: Allow replacing an existing key.

    Raises:
        ConfigError: The key is taken and ``replace`` is False.

    Examples:
        >>> register_lexicon("tiny", lambda: Lexicon.from_categories({"we": ["we", "us"]}))
        >>> Lexicon.load("tiny").categories
        ('we',)
    """
    with _LOCK:
        LEXICONS.register(key, factory, replace=replace)
        _LOADED.pop(key, None)


def available_lexicons() -> tuple[str, ...]:
    """Return the registered lexicon keys (third-party plug-ins included), sorted."""
    return tuple(sorted(LEXICONS))
