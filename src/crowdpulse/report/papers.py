"""The numbers the three papers report, with the sentence each comes from.

The report prints these beside the numbers it measures wherever the two compare.
Every entry quotes the paper's own words (``quote`` appears verbatim in the paper's
text, checked by ``tests/test_report_papers.py`` when the texts are at hand) so a
reader can find it. The papers:

* ``solidarity-2015``: the Paris-attacks solidarity study (2MM tweets, 24 hours;
  RNN+LSTM vs three SVM baselines);
* ``emojis-2018``: Santhanam et al., "I Stand With You: Using Emojis to Study
  Solidarity in Crisis Events" (Irma and Paris);
* ``firestorms``: Strathern et al., "Against the Others! Detecting Moral Outrage
  in Social Media Networks".

The 2018 paper's tables are not in its text; the numbers its text states (the emoji
totals of Table 4, the inside share of Table 6, the diffusion's minimum counts) are
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "PAPERS",
    "PAPER_NUMBERS",
    "Paper",
    "PaperNumber",
    "paper_number",
]

Comparator = Literal["=", ">", "range"]


@dataclass(frozen=True)
class Paper:
    """A paper the report compares with.

    Attributes:
        key: Short key (``solidarity-2015``, ``emojis-2018``, ``firestorms``).
        title: Its title or a description.
        authors: Its authors, where the text names them.
        text: The file name of its text under ``shared/papers/``.
    """

    key: str
    title: str
    authors: str
    text: str


@dataclass(frozen=True)
class PaperNumber:
    """One number a paper reports.

    Attributes:
        key: Short key, e.g. ``svm_mean_accuracy``.
        paper: The :attr:`Paper.key` it comes from.
        what: What it measures, in words.
        value: The number (for a range: its lower end).
        sd: The standard deviation reported with it, if any.
        upper: The upper end of a range, if any.
        unit: ``"%"``, ``"h"``, ``""`` ...
        comparator: ``"="`` (a value), ``">"`` (a lower bound), ``"range"``.
        quote: The paper's words, verbatim (a substring of its text).
    """

    key: str
    paper: str
    what: str
    value: float
    sd: float | None = None
    upper: float | None = None
    unit: str = ""
    comparator: Comparator = "="
    quote: str = ""

    def text(self) -> str:
        """The number as the report prints it, e.g. ``-0.55 ± 2.34 h`` or ``> 0.65``."""
        unit = f" {self.unit}" if self.unit and self.unit != "%" else self.unit
        if self.comparator == ">":
            return f"> {self.value:g}{unit}"
        if self.comparator == "range":
            return f"{self.value:g}-{self.upper:g}{unit}"
        sign = "+" if self.unit == "h" and self.sd is not None and self.value > 0 else ""
        if self.unit in ("%", "h"):
            value = f"{sign}{self.value:.2f}"
        elif float(self.value).is_integer():
            value = f"{int(self.value):,}"
        else:
            value = f"{self.value:g}"
        if self.sd is not None:
            return f"{value} ± {self.sd:.2f}{unit}"
        return f"{value}{unit}"


PAPERS: dict[str, Paper] = {
    "solidarity-2015": Paper(
        key="solidarity-2015",
        title="Detecting expressions of solidarity after the November 2015 Paris attacks",
        authors="(not named in the text)",
        text="000_e4b78923006268f6.txt",
    ),
    "emojis-2018": Paper(
        key="emojis-2018",
        title="I Stand With You: Using Emojis to Study Solidarity in Crisis Events",
        authors="Santhanam, Srinivasan, Glass, Shaikh",
        text="001_21952c75771918cb.txt",
    ),
    "firestorms": Paper(
        key="firestorms",
        title="Against the Others! Detecting Moral Outrage in Social Media Networks",
        authors="Strathern, Schoenfeld, Ghawi, Pfeffer",
        text="002_159aece281d56b49.txt",
    ),
}

PAPER_NUMBERS: tuple[PaperNumber, ...] = (
    PaperNumber(
        key="kappa",
        paper="solidarity-2015",
        what="Cohen's kappa of the two hashtag annotators",
        value=0.65,
        comparator=">",
        quote="after achieving a agreement level of κ > 0.65",
    ),
    PaperNumber(
        key="kappa_2018",
        paper="emojis-2018",
        what="Cohen's kappa of the two hashtag annotators",
        value=0.65,
        comparator=">",
        quote="regarded as an acceptable agreement level",
    ),
    PaperNumber(
        key="unique_english_tweets",
        paper="solidarity-2015",
        what="unique English tweets (no retweets) of the Paris corpus",
        value=286384,
        quote="we identified 286384 unique English tweets (no retweets)",
    ),
    PaperNumber(
        key="solidarity_tweets",
        paper="solidarity-2015",
        what="tweets with a solidarity hashtag (and as many neutral ones sampled)",
        value=20465,
        quote="expressing solidarity (20465 tweets) and a",
    ),
    PaperNumber(
        key="svm_mean_accuracy",
        paper="solidarity-2015",
        what="mean accuracy of the three SVM baselines (bigrams, TF-IDF, TF-IDF + bigrams)",
        value=75.97,
        unit="%",
        quote="75.97% average accuracy for the three SVM baselines",
    ),
    PaperNumber(
        key="lstm_accuracy",
        paper="solidarity-2015",
        what="accuracy of the RNN+LSTM with GloVe embeddings",
        value=88.70,
        unit="%",
        quote="(RNN+LSTM) outperforms the SVM baselines (88.70% classification",
    ),
    PaperNumber(
        key="solidarity_emojis_paris",
        paper="emojis-2018",
        what="emojis in the solidarity posts (Paris; Irma: 26,197), Table 4",
        value=24801,
        quote="and 24801 emojis in the Paris solidarity corpus",
    ),
    PaperNumber(
        key="inside_share_paris",
        paper="emojis-2018",
        what="share of the geotagged solidarity emojis posted inside the affected "
        "regions (Paris), Table 6",
        value=6.52,
        unit="%",
        quote="6.52% emojis expressing solidarity from a",
    ),
    PaperNumber(
        key="diffusion_min_count",
        paper="emojis-2018",
        what="emojis under this count a day are left out of the diffusion figures (Paris; Irma: "
        "50)",
        value=25,
        quote="fewer than 50 times and 25 times per day",
    ),
    PaperNumber(
        key="firestorm_share",
        paper="firestorms",
        what="firestorm posts as a share of the event's posts",
        value=2.0,
        upper=8.0,
        unit="%",
        comparator="range",
        quote="The fraction of firestorm-related tweets is between 2% and 8% of the tweets",
    ),
    PaperNumber(
        key="offset_start",
        paper="firestorms",
        what="offset of the closest change point to the firestorm's start",
        value=-0.55,
        sd=2.34,
        unit="h",
        quote="We were able to detect the start of the firestorms in",
    ),
    PaperNumber(
        key="offset_peak_in_degree",
        paper="firestorms",
        what="offset of the closest change point to the peak of the max in-degree",
        value=1.19,
        sd=2.51,
        unit="h",
        quote="We were able to approximate this peak of the network dynamics with an average of",
    ),
    PaperNumber(
        key="offset_peak_posts",
        paper="firestorms",
        what="offset of the closest change point to the peak of firestorm posts",
        value=0.14,
        sd=1.30,
        unit="h",
        quote="We were able to approximate this peak of the tweet accumulations with an average",
    ),
    PaperNumber(
        key="detection_delay",
        paper="firestorms",
        what="time from the start until the change is noticed (two half-hour intervals)",
        value=1.0,
        unit="h",
        quote="It takes two intervals of half an hour until the beginning of the firestorm",
    ),
    PaperNumber(
        key="floats_per_category",
        paper="firestorms",
        what="values kept per lexical category by the streaming detector",
        value=49,
        quote="there are only 49 floating point numbers for each category",
    ),
)
"""Every number the report compares with, in report order."""


def paper_number(key: str) -> PaperNumber:
    """Look up a reported number by key.

    Args:
        key: E.g. ``"svm_mean_accuracy"``.

    Returns:
        The :class:`PaperNumber`.

    Raises:
        KeyError: No number has that key.
    """
    for number in PAPER_NUMBERS:
        if number.key == key:
            return number
    raise KeyError(key)
