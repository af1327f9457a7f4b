"""scikit-learn estimator tags shared by crowdpulse's text classifiers.

The classifiers take a sequence of texts, not a 2-D numeric array. Their tags say so
(``input_tags.string`` True, ``two_d_array`` False), and scikit-learn's
``check_estimator`` then skips its data checks, which feed random numeric matrices
(it warns "Can't test estimator ... which requires input of type ..."). What those
checks would test is covered with texts in ``tests/test_classify_sklearn.py``: the
parameter protocol (``get_params`` / ``set_params`` / ``clone``, no work in
``__init__``, a readable repr), fitted-state errors, label types (strings, integers,
three or more classes) and pickling; the estimator-only API checks of scikit-learn
(:data:`API_CHECKS`) run as they are.
"""

from __future__ import annotations

from sklearn.utils import Tags

__all__ = ["API_CHECKS", "Tags", "text_classifier_tags"]

API_CHECKS: tuple[str, ...] = (
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_mixin_order",
)
"""scikit-learn checks that need no numeric data; every crowdpulse classifier passes them."""


def text_classifier_tags(tags: Tags) -> Tags:
    """Mark a classifier's tags as taking texts (one string per sample).

    Args:
        tags: The tags from ``super().__sklearn_tags__()``.

    Returns:
        The same tags: string input, no 2-D array, multi-class capable, labels required.
    """
    tags.input_tags.two_d_array = False
    tags.input_tags.one_d_array = False
    tags.input_tags.string = True
    tags.target_tags.required = True
    if tags.classifier_tags is not None:
        tags.classifier_tags.multi_class = True
    return tags
