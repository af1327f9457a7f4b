"""Solidarity labels: annotator agreement, hashtag sheets, distant labelling, balancing.

Typical use::

    from crowdpulse.label import read_sheet, label_by_hashtags

    sheet = read_sheet("annotations_paris.csv")
    print(sheet.kappa, sheet.label_counts())
    result = label_by_hashtags(corpus, sheet.lexicon())
    result.table      # corpus + solidarity, label_hashtags, text_for_training
    result.counts     # solidarity / not solidarity / conflicting / unlabelled
"""

from __future__ import annotations

from crowdpulse.label.agreement import (
    FINAL_LABELS,
    AnnotatorLabel,
    FinalLabel,
    agreed_label,
    cohen_kappa,
    normalise_annotator_label,
)
from crowdpulse.label.balance import Balance, class_weights, undersample
from crowdpulse.label.distant import (
    LABEL_COLUMNS,
    NOT_SOLIDARITY,
    SOLIDARITY,
    LabelCounts,
    LabelFileResult,
    LabelResult,
    label_by_column,
    label_by_hashtags,
    label_corpus,
    label_file,
    post_label,
    remove_hashtags,
)
from crowdpulse.label.sheet import (
    HashtagSheet,
    SheetRow,
    SolidarityLabel,
    normalise_hashtag,
    read_sheet,
)

__all__ = [
    "FINAL_LABELS",
    "LABEL_COLUMNS",
    "NOT_SOLIDARITY",
    "SOLIDARITY",
    "AnnotatorLabel",
    "Balance",
    "FinalLabel",
    "HashtagSheet",
    "LabelCounts",
    "LabelFileResult",
    "LabelResult",
    "SheetRow",
    "SolidarityLabel",
    "agreed_label",
    "class_weights",
    "cohen_kappa",
    "label_by_column",
    "label_by_hashtags",
    "label_corpus",
    "label_file",
    "normalise_annotator_label",
    "normalise_hashtag",
    "post_label",
    "read_sheet",
    "remove_hashtags",
    "undersample",
]
