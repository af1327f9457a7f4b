"""Lexicons: the LIWC .dic reader in each format, matching rules, the open lexicon, the registry."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import pytest

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.text import Lexicon, LexiconWarning, available_lexicons, register_lexicon
from crowdpulse.text.lexicon import post_words

ROOT = Path(__file__).resolve().parents[1]

LIWC2015 = """%
1\tfunction
2\tpronoun
3\tppron
4\ti
5\twe
31\tposemo
32\tnegemo
33\tanx
%
i\t1\t2\t3\t4
me\t1\t2\t3\t4
we\t1\t2\t3\t5
us\t1\t2\t3\t5
love*\t31
happ*\t31
happen*\t1
nice\t31
hate*\t32
worr*\t32\t33
afraid\t32\t33
:)\t31
"""

# LIWC2007 numbering; 'like' and 'kind' carry conditional categories.
LIWC2007 = """%
1\tfunct
2\tpronoun
3\tppron
4\ti
11\tverb
125\taffect
126\tposemo
131\tcogmech
134\tdiscrep
135\ttentat
253\ttime
464\tfiller
%
i\t01\t02\t03\t04
it\t01\t02
would\t011\t134
was\t011
kind\t(02)126/135
like\t02 134 (02 134)125/464 (53)126 253
"""

LIWC22 = """%
1\tfunction\t(Total function words)
2\tpronoun\t(Total pronouns)
3\ti
4\ttentat
5\temo_pos
6\temo_neg
%
i\tfunction\tpronoun\ti
kind of\ttentat
maybe\ttentat
hope*\temo_pos
sad\temo_neg
"""

LIWC22_SPACES = """%
1 function
2 pronoun
3 i
4 tentat
%
i function pronoun i
kind of tentat
sort of tentat
"""

STRESS = """%
1\tstress
%
stress*\t1
worr*\t1
deadline*\t1
pressure\t1
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_liwc2015_file(tmp_path: Path) -> None:
    lex = Lexicon.from_dic(write(tmp_path, "liwc2015.dic", LIWC2015))
    assert lex.name == "liwc2015"
    assert lex.categories == ("function", "pronoun", "ppron", "i", "we", "posemo", "negemo", "anx")
    assert lex.derived == ("emo",)
    scores = lex.score("I love Paris, we are worried :) #love @me https://t.co/x 😀")
    # words: i love paris we are worried :)  -> 7 (hashtag, mention, URL, emoji are not words)
    assert scores["i"] == pytest.approx(100 / 7)
    assert scores["posemo"] == pytest.approx(200 / 7)  # love, :)
    assert scores["negemo"] == pytest.approx(100 / 7)
    assert scores["anx"] == pytest.approx(100 / 7)
    assert scores["emo"] == pytest.approx(100 / 7)
    counts = lex.score("I love Paris, we are worried :)", counts=True)
    assert counts["function"] == 2.0 and counts["ppron"] == 2.0 and counts["emo"] == 1.0


def test_exact_entries_win_over_wildcards_and_the_longest_wildcard_wins(tmp_path: Path) -> None:
    lex = Lexicon.from_dic(write(tmp_path, "liwc2015.dic", LIWC2015))
    assert lex.categories_of("happy") == ("posemo",)
    assert lex.categories_of("happening") == ("function",)  # happen* is longer than happ*
    assert lex.categories_of("lovely") == ("posemo",)
    assert lex.categories_of("love") == ("posemo",)  # a wildcard matches the bare stem too
    assert lex.categories_of("paris") == ()


def test_empty_post_scores_zero(tmp_path: Path) -> None:
    lex = Lexicon.from_dic(write(tmp_path, "liwc2015.dic", LIWC2015))
    assert set(lex.score("").values()) == {0.0}
    assert set(lex.score("😀 #paris @klm").values()) == {0.0}


def test_liwc2007_conditional_categories(tmp_path: Path) -> None:
    path = write(tmp_path, "liwc2007.dic", LIWC2007, encoding="cp1252")
    # '(53)126' names a category the header lacks: the condition can never hold.
    with pytest.warns(LexiconWarning, match="1 conditions on unknown categories"):
        lex = Lexicon.from_dic(path)
    counts = lex.score("I like it", counts=True)
    # 'I' is a pronoun (02): 'like' counts in 125 (affect), not 464 (filler).
    assert counts["affect"] == 1 and counts["filler"] == 0
    # plain categories of 'like' (02 134 253) always count
    assert counts["pronoun"] == 3 and counts["discrep"] == 1 and counts["time"] == 1
    counts = lex.score("it was like huge", counts=True)
    assert counts["affect"] == 0 and counts["filler"] == 1
    counts = lex.score("would like", counts=True)  # 'would' is discrep (134)
    assert counts["affect"] == 1 and counts["filler"] == 0
    counts = lex.score("like", counts=True)  # no previous word: the 'else' category
    assert counts["filler"] == 1
    # 'kind': (02)126/135
    assert lex.score("it kind", counts=True)["posemo"] == 1
    assert lex.score("was kind", counts=True)["tentat"] == 1
    assert lex.score("was kind", counts=True)["posemo"] == 0


def test_liwc2007_conditionals_ignored_on_request_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "liwc2007.dic", LIWC2007)
    with pytest.warns(LexiconWarning, match="3 conditional categories ignored"):
        lex = Lexicon.from_dic(path, conditionals="ignore")
    counts = lex.score("I like it", counts=True)
    assert counts["affect"] == 0 and counts["filler"] == 0 and counts["discrep"] == 1
    assert not lex.has_context


def test_the_liwc_package_cannot_read_liwc2007_conditionals(tmp_path: Path) -> None:
    liwc = pytest.importorskip("liwc")
    path = write(tmp_path, "liwc2007.dic", LIWC2007)
    with pytest.raises(KeyError):
        liwc.load_token_parser(str(path))
    with pytest.warns(LexiconWarning):
        assert Lexicon.from_dic(path).categories[-1] == "filler"


def test_liwc22_names_multiword_entries_and_derived_emo(tmp_path: Path) -> None:
    lex = Lexicon.from_dic(write(tmp_path, "liwc22.dic", LIWC22))
    assert lex.categories == ("function", "pronoun", "i", "tentat", "emo_pos", "emo_neg")
    assert lex.derived == ("emo",)
    counts = lex.score("I kind of hope so, kind people", counts=True)
    # 'kind of' matches once; the second 'kind' (no 'of') matches nothing.
    assert counts["tentat"] == 1
    assert counts["i"] == 1 and counts["emo_pos"] == 1
    scores = lex.score("kind of sad")
    assert scores["tentat"] == pytest.approx(100 / 3)  # the phrase's words all count as words
    assert scores["emo"] == pytest.approx(-100 / 3)


def test_space_separated_file(tmp_path: Path) -> None:
    lex = Lexicon.from_dic(write(tmp_path, "spaces.dic", LIWC22_SPACES))
    counts = lex.score("i sort of kind of agree", counts=True)
    assert counts == {"function": 1, "pronoun": 1, "i": 1, "tentat": 2}
    spaced = Lexicon.from_dic(write(tmp_path, "sp2015.dic", LIWC2015.replace("\t", " ")))
    tabbed = Lexicon.from_dic(write(tmp_path, "tab2015.dic", LIWC2015))
    text = "I love you, we hate worry :)"
    assert spaced.score(text) == tabbed.score(text)


def test_single_category_dictionary(tmp_path: Path) -> None:
    lex = Lexicon.from_dic(write(tmp_path, "stress.dic", STRESS))
    assert lex.categories == ("stress",)
    assert lex.derived == ()
    scores = lex.score("Deadlines and pressure: so stressful, I worry")
    assert scores == {"stress": pytest.approx(400 / 7)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("1\tfoo\n%\n", "first line must be '%'"),
        ("%\n1\tfoo\n", "no closing"),
        ("%\n%\nword\t1\n", "no categories"),
        ("%\n1\tfoo\n2\tfoo\n%\n", "defined twice"),
        ("%\n1\tfoo\n01\tbar\n%\n", "used twice"),
        ("%\n1\n%\n", "needs an id and a name"),
    ],
)
def test_malformed_files_raise_input_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Lexicon.from_dic(write(tmp_path, "bad.dic", text))


def test_missing_file_and_unknown_categories(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        Lexicon.from_dic(tmp_path / "nope.dic")
    path = write(tmp_path, "unknown.dic", "%\n1\tfoo\n%\nword\t1\t7\nother\t9\nlonely\n")
    with pytest.warns(LexiconWarning) as caught:
        lex = Lexicon.from_dic(path)
    message = str(caught[0].message)
    assert "2 references to unknown categories skipped" in message
    assert "2 entries without categories skipped" in message
    assert lex.categories_of("word") == ("foo",)
    assert lex.categories_of("other") == ()


def test_compare_with_the_liwc_package_on_a_2015_file(tmp_path: Path) -> None:
    liwc = pytest.importorskip("liwc")
    path = write(tmp_path, "liwc2015.dic", LIWC2015.replace("happen*\t1\n", ""))
    parse, names = liwc.load_token_parser(str(path))
    lex = Lexicon.from_dic(path)
    assert tuple(names) == lex.categories
    vocabulary = ["i", "me", "we", "us", "love", "lovely", "loved", "happy", "happily", "nice",
                  "nicer", "hate", "hateful", "worry", "worried", "afraid", ":)", "paris",
                  "the", "storm", "😀", "#love", "@we"]  # fmt: skip
    rng = random.Random(3)
    for _ in range(300):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 12)))
        theirs = Counter(c for word in post_words(text) for c in parse(word))
        ours = lex.score(text, counts=True)
        assert {k: v for k, v in ours.items() if v and k != "emo"} == dict(theirs), text


def test_to_dic_round_trip(tmp_path: Path) -> None:
    for text in (LIWC2015, LIWC2007, LIWC22):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LexiconWarning)
            lex = Lexicon.from_dic(write(tmp_path, "in.dic", text))
            again = Lexicon.from_dic(lex.to_dic(tmp_path / "out.dic"))
        assert again.categories == lex.categories
        assert again.entries() == lex.entries()


def test_from_categories_and_pickle() -> None:
    lex = Lexicon.from_categories(
        {"we": ["we", "us", "our*"], "posemo": ["love*"], "negemo": ["sad"]}, name="mini"
    )
    assert lex.score("We love our city", counts=True) == {
        "we": 2.0, "posemo": 1.0, "negemo": 0.0, "emo": 1.0
    }  # fmt: skip
    again = pickle.loads(pickle.dumps(lex))
    assert again.score("sad us") == lex.score("sad us")
    with pytest.raises(ConfigError):
        Lexicon.from_categories({})


# -- the open lexicon --------------------------------------------------------------------------

OPEN_CATEGORIES = (
    "i", "we", "you", "shehe", "they", "ppron", "posemo", "negemo", "anx", "anger", "sad",
    "affect", "cogproc", "percept", "netspeak", "assent", "nonflu", "filler", "swear", "informal",
)  # fmt: skip


def test_open_lexicon_categories() -> None:
    lex = Lexicon.load("open")
    assert lex.categories == OPEN_CATEGORIES
    assert lex.derived == ("emo",)
    assert Lexicon.load("open") is lex  # loaded once


@pytest.mark.parametrize(
    ("word", "categories"),
    [
        ("i", {"i", "ppron"}),
        ("idk", {"i", "ppron", "netspeak", "filler", "informal"}),
        ("we're", {"we", "ppron"}),
        ("y'all", {"you", "ppron"}),
        ("u", {"you", "ppron", "netspeak", "informal"}),
        ("she", {"shehe", "ppron"}),
        ("themselves", {"they", "ppron"}),
        ("love", {"posemo", "affect"}),
        ("worried", {"anx", "negemo", "affect"}),
        ("furious", {"anger", "negemo", "affect"}),
        ("grieving", {"sad", "negemo", "affect"}),
        ("because", {"cogproc"}),
        ("listening", {"percept"}),
        ("lol", {"netspeak", "informal", "posemo", "affect"}),
        ("okay", {"assent", "informal"}),
        ("umm", {"nonflu", "informal"}),
        ("fucking", {"swear", "informal", "negemo", "affect"}),
        ("hello", set()),
        ("assist", set()),
        ("paris", set()),
    ],
)
def test_open_lexicon_words(word: str, categories: set[str]) -> None:
    assert set(Lexicon.load("open").categories_of(word)) == categories


def test_open_lexicon_fillers_are_phrases() -> None:
    counts = Lexicon.load("open").score("you know i mean it", counts=True)
    assert counts["filler"] == 2
    assert counts["you"] == 0 and counts["i"] == 0  # the phrase's words are not matched again


def test_open_lexicon_is_prefix_consistent() -> None:
    lex = Lexicon.load("open")
    stems = {p[:-1]: e for p, e in lex.entries() if p.endswith("*")}
    for pattern, entry in lex.entries():
        if " " in pattern:
            continue
        word = pattern.rstrip("*")
        for size in range(1, len(word)):
            stem = stems.get(word[:size])
            assert stem is None or stem == entry, (pattern, word[:size])


def test_open_lexicon_agrees_with_liwc_package(tmp_path: Path) -> None:
    liwc = pytest.importorskip("liwc")
    lex = Lexicon.load("open")
    parse, _ = liwc.load_token_parser(str(lex.to_dic(tmp_path / "open.dic")))
    words = [p.rstrip("*") + ("ing" if p.endswith("*") else "") for p, _ in lex.entries()]
    words = [w for w in words if " " not in w]
    for word in words:
        assert set(parse(word)) == set(lex.categories_of(word)), word


def test_shipped_open_lexicon_is_up_to_date() -> None:
    pytest.importorskip("vaderSentiment")
    pytest.importorskip("sklearn")
    script = ROOT / "scripts" / "build_open_lexicon.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr


# -- registry ------------------------------------------------------------------------------------


def test_registry(tmp_path: Path) -> None:
    assert {"open", "empath"} <= set(available_lexicons())
    register_lexicon("test-tiny", lambda: Lexicon.from_categories({"we": ["we"]}, name="tiny"))
    assert Lexicon.load("test-tiny").name == "tiny"
    with pytest.raises(ConfigError, match="already registered"):
        register_lexicon("test-tiny", lambda: Lexicon.from_categories({"x": ["x"]}))
    register_lexicon("test-tiny", lambda: Lexicon.from_categories({"x": ["x"]}), replace=True)
    assert Lexicon.load("test-tiny").categories == ("x",)
    with pytest.raises(ConfigError, match="unknown lexicon"):
        Lexicon.load("no-such-lexicon")
    path = write(tmp_path, "stress.dic", STRESS)
    assert Lexicon.load(str(path)).categories == ("stress",)


def test_empath_lexicon() -> None:
    pytest.importorskip("empath")
    lex = Lexicon.load("empath")
    assert len(lex.categories) == 194
    assert lex.derived == ("emo",)
    scores = lex.score("We love our family and friends")
    assert scores["family"] > 0 and scores["positive_emotion"] > 0
