"""Typed, frozen results of the report's stages.

Every stage writes its summary as JSON into its ``manifest.json`` (the cache); the
page reads it back through these dataclasses, never as an untyped dict. Each result
class converts both ways: :meth:`StageResult.from_dict` (missing keys take the
field's default, unknown keys are ignored, values are checked against the field's
type) and :meth:`StageResult.to_dict`. :data:`RESULT_SCHEMA` is part of every
stage's parameters, so a cache written with another schema is recomputed, never
misread.

Use::

    from crowdpulse.report.results import result_of

    geo = result_of(record)          # a GeographyResult for the geography stage
    geo.top_countries[0].name
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin, get_type_hints

from crowdpulse.exceptions import InputError

__all__ = [
    "RESULT_SCHEMA",
    "RESULT_TYPES",
    "EmojisResult",
    "FeaturesResult",
    "FirestormStageResult",
    "GeographyResult",
    "IngestResult",
    "LabelsResult",
    "Provenance",
    "SolidarityResult",
    "StageResult",
    "result_of",
]

RESULT_SCHEMA = 2
"""Version of the stage results' JSON shape; part of every stage's cache key."""

T = TypeVar("T", bound="StageResult")


def _convert(tp: Any, value: Any, where: str) -> Any:
    """Convert a JSON value to the type ``tp`` (dataclasses, containers, unions)."""
    if tp is Any:
        return value
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None:
            if type(None) in args:
                return None
            raise InputError(f"{where}: missing value", field=where)
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value, where)
            except InputError as exc:
                errors.append(str(exc))
        raise InputError(f"{where}: {'; '.join(errors)}", field=where)
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise InputError(f"{where}: expected a list, got {type(value).__name__}", field=where)
        args = get_args(tp)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(value):
                raise InputError(f"{where}: expected {len(args)} values", field=where)
            pairs = enumerate(zip(args, value, strict=True))
            return tuple(_convert(a, v, f"{where}[{i}]") for i, (a, v) in pairs)
        item = args[0] if args else Any
        return tuple(_convert(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected an object", field=where)
        _, item = get_args(tp) or (str, Any)
        return {str(k): _convert(item, v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected an object", field=where)
        return _from_dict(tp, value, where)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{where}: expected a number", field=where)
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise InputError(f"{where}: expected an integer", field=where)
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise InputError(f"{where}: expected true or false", field=where)
        return value
    if tp is str:
        if not isinstance(value, str):
            raise InputError(f"{where}: expected a string", field=where)
        return value
    return value


def _from_dict(cls: type[Any], data: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        key = f.metadata.get("key", f.name)
        if key not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise InputError(f"{where}: {key} is missing", field=f"{where}.{key}")
            continue
        kwargs[f.name] = _convert(hints[f.name], data[key], f"{where}.{key}")
    return cls(**kwargs)


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.metadata.get("key", f.name): _to_json(getattr(value, f.name))
            for f in dataclasses.fields(value)
        }
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Record:
    """Base of the nested records: JSON in and out."""

    @classmethod
    def from_dict(cls: type[Any], data: dict[str, Any]) -> Any:
        """Build from a JSON object (see the module's docstring)."""
        return _from_dict(cls, data, cls.__name__)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object (field names as in the stage's summary)."""
        out = _to_json(self)
        assert isinstance(out, dict)
        return out


@dataclass(frozen=True)
class StageResult(Record):
    """Base of the stage results: the stage it belongs to."""

    stage: ClassVar[str] = ""


# --------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class IngestFile(Record):
    """One input file's accounting (a file skipped for holding no posts: no format)."""

    path: str
    format: str | None
    read: int
    kept: int
    filtered: int
    quarantined: int
    skipped: str | None = None


@dataclass(frozen=True)
class CorpusFacts(Record):
    """What the corpus holds (``crowdpulse info``), account names left out."""

    posts: int = 0
    authors: int = 0
    first: str | None = None
    last: str | None = None
    without_time: int = 0
    retweets: int = 0
    replies: int = 0
    quotes: int = 0
    languages: tuple[tuple[str | None, int], ...] = ()
    hashtags: tuple[tuple[str, int], ...] = ()
    posts_per_day: tuple[tuple[str, int], ...] = ()
    with_author: int = 0
    with_location: int = 0
    with_coordinates: int = 0
    with_place: int = 0


@dataclass(frozen=True)
class IngestResult(StageResult):
    """The ingest stage: every record read ends in one place."""

    stage: ClassVar[str] = "ingest"
    read: int
    kept: int
    quarantined: int
    filtered: dict[str, int] = field(default_factory=dict)
    incomplete: int = 0
    api_errors: int = 0
    files: tuple[IngestFile, ...] = ()
    corpus: CorpusFacts = field(default_factory=CorpusFacts)
    quarantine_file: str | None = None
    seconds: float | None = None

    @property
    def filtered_total(self) -> int:
        """Records filtered, all reasons."""
        return sum(self.filtered.values())


# ------------------------------------------------------------------------- features


@dataclass(frozen=True)
class FeaturesResult(StageResult):
    """The features stage: tokens, emojis and lexical categories."""

    stage: ClassVar[str] = "features"
    posts: int
    lexicon: str
    columns_added: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    posts_with_emojis: int = 0
    emojis: int = 0
    mean_words: float = 0.0


# --------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class LabelCounts(Record):
    """Original posts per label."""

    solidarity: int = 0
    not_solidarity: int = 0
    conflicting: int = 0
    unlabelled: int = 0


@dataclass(frozen=True)
class SheetFacts(Record):
    """The hashtag sheet: agreement of its annotators and its lexicon."""

    kappa: float | None = None
    rows: int = 0
    hashtags: dict[str, int] = field(default_factory=dict)
    lexicon: dict[str, int] = field(default_factory=dict)
    inconsistent_hashtags: int = 0


@dataclass(frozen=True)
class LabelValue(Record):
    """A label column's value and what it counts as."""

    value: str
    posts: int
    means: str


@dataclass(frozen=True)
class HashtagCount(Record):
    """A label hashtag and the posts that carry it."""

    hashtag: str
    label: str | None
    posts: int


@dataclass(frozen=True)
class LabelsResult(StageResult):
    """The labels stage: distant labels of the original posts."""

    stage: ClassVar[str] = "labels"
    posts: int
    retweets_set_aside: int
    originals: int
    labelled_posts: int
    counts: LabelCounts
    source: str
    sheet: SheetFacts | None = None
    values: tuple[LabelValue, ...] = ()
    top_hashtags: tuple[HashtagCount, ...] = ()


# ----------------------------------------------------------------------- solidarity


@dataclass(frozen=True)
class ModelScore(Record):
    """One model's cross-validated scores."""

    model: str
    emojis: bool
    accuracy: float | None
    accuracy_sd: float | None
    macro_f1: float | None
    macro_f1_sd: float | None
    pooled_accuracy: float | None = None
    solidarity_precision: float | None = None
    solidarity_recall: float | None = None
    solidarity_f1: float | None = None
    folds: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class SolidarityResult(StageResult):
    """The solidarity stage: cross-validation and term weights."""

    stage: ClassVar[str] = "solidarity"
    n_posts: int
    n_used: int
    folds: int
    balance: str
    class_counts: dict[str, int] = field(default_factory=dict)
    models: tuple[ModelScore, ...] = ()
    svm_mean_accuracy: float | None = None
    lstm_accuracy: float | None = None
    term_weights_figure: str | None = None
    account_terms_left_out: int = 0
    top_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)


# ------------------------------------------------------------------------ geography


@dataclass(frozen=True)
class CountryRow(Record):
    """Posts of one country."""

    country: str
    name: str
    posts: int
    authors: int
    share_of_tagged: float
    affected: bool


@dataclass(frozen=True)
class GeographyResult(StageResult):
    """The geography stage: offline geotags."""

    stage: ClassVar[str] = "geography"
    posts: int
    tagged: int
    by_source: dict[str, int] = field(default_factory=dict)
    inputs_present: dict[str, int] = field(default_factory=dict)
    unique_locations: int = 0
    countries: int = 0
    top_countries: tuple[CountryRow, ...] = ()
    regions: dict[str, int] = field(default_factory=dict)
    affected: tuple[str, ...] = ()
    figure: str | None = None


# --------------------------------------------------------------------------- emojis


@dataclass(frozen=True)
class ClassEmojis(Record):
    """Emoji totals of one class (Table 4)."""

    posts: int = 0
    posts_with_emojis: int = 0
    emojis: int = 0
    distinct_emojis: int = 0


@dataclass(frozen=True)
class RankedEmoji(Record):
    """One emoji of a top list (Table 5)."""

    rank: int
    emoji: str
    count: int
    name: str | None = None
    sentiment: float | None = None


@dataclass(frozen=True)
class RegionEmojis(Record):
    """Emojis of solidarity posts of one region group (Table 6)."""

    posts: int = 0
    posts_with_emojis: int = 0
    emojis: int = 0
    distinct_emojis: int = 0
    share_of_geotagged: float | None = None
    share_of_all: float | None = None
    top: tuple[RankedEmoji, ...] = ()


@dataclass(frozen=True)
class EmojiPair(Record):
    """Two emojis that co-occur."""

    source: str
    target: str
    weight: float
    posts: int = 0


@dataclass(frozen=True)
class CentralEmoji(Record):
    """An emoji and its strength in a co-occurrence network."""

    emoji: str
    strength: float


@dataclass(frozen=True)
class EmojiNetwork(Record):
    """A co-occurrence network's summary."""

    nodes: int = 0
    edges: int = 0
    weighting: str = "posts"
    components: tuple[tuple[str, ...], ...] = ()
    top_pairs: tuple[EmojiPair, ...] = ()
    central: tuple[CentralEmoji, ...] = ()


@dataclass(frozen=True)
class Diffusion(Record):
    """Temporal diffusion of one group."""

    bucket: str
    min_count: int
    buckets: int = 0
    emojis: tuple[str, ...] = ()
    cells: int = 0
    undated_posts: int = 0


@dataclass(frozen=True)
class EmojisResult(StageResult):
    """The emojis stage: the emoji paper's tables, networks and diffusion."""

    stage: ClassVar[str] = "emojis"
    table1: dict[str, int] = field(default_factory=dict)
    table4: dict[str, ClassEmojis] = field(default_factory=dict)
    table5: dict[str, tuple[RankedEmoji, ...]] = field(default_factory=dict)
    table6: dict[str, RegionEmojis] = field(default_factory=dict)
    networks: dict[str, EmojiNetwork] = field(default_factory=dict)
    diffusion: dict[str, Diffusion] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    glyphs: tuple[str, ...] = ()


# ------------------------------------------------------------------------ firestorm


@dataclass(frozen=True)
class FirestormTruth(Record):
    """The firestorm's ground truth measured on the corpus."""

    buckets: int = 0
    posts: int = 0
    target_posts: int = 0
    start: str | None = None
    peak_in_degree: str | None = None
    peak_posts: str | None = None
    firestorm_share: float | None = None


@dataclass(frozen=True)
class ClosestChange(Record):
    """The change point closest to a reference time."""

    offset_hours: float | None = None
    series: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation(Record):
    """One (mode, series group) evaluation of the change points."""

    mode: str
    group: str
    bucket_minutes: int = 30
    closest: dict[str, ClosestChange | None] = field(default_factory=dict)
    changepoints: int = 0
    changepoints_per_day: float | None = None
    control_abs_offset_hours: float | None = None

    def offset(self, reference: str) -> float | None:
        """The offset (hours) of the closest change point to a reference, or None."""
        closest = self.closest.get(reference)
        return None if closest is None else closest.offset_hours


@dataclass(frozen=True)
class PeakNetwork(Record):
    """The networks of the peak window, written for Gephi."""

    start: str | None = None
    end: str | None = None
    nodes: int = 0
    edges: int = 0
    retweet_nodes: int | None = None
    retweet_edges: int | None = None
    target_found: bool | None = None


@dataclass(frozen=True)
class FirestormSettings(Record):
    """The detector's settings."""

    bucket_minutes: int = 30
    window_buckets: int = 24
    detector_window: int | None = None
    penalties: tuple[float, ...] = ()
    cost: str | None = None
    count_transform: str | None = None
    offline: bool = True


@dataclass(frozen=True)
class PeriodDifference(Record):
    """A category used more or less in the firestorm than the week before."""

    subset: str
    category: str
    difference: float
    p: float | None
    verdict: str = field(metadata={"key": "class"})


@dataclass(frozen=True)
class FirestormStageResult(StageResult):
    """The firestorm stage (named apart from the pipeline's ``FirestormResult``)."""

    stage: ClassVar[str] = "firestorm"
    target: str = ""
    truth: FirestormTruth = field(default_factory=FirestormTruth)
    closest_offsets_hours: dict[str, dict[str, float | None]] = field(default_factory=dict)
    closest_series: tuple[str, ...] = ()
    first_alert_delay_hours: float | None = None
    closest_detection_delay_hours: float | None = None
    found: bool = False
    alerts: int = 0
    evaluations: tuple[Evaluation, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    network_peak: PeakNetwork | None = None
    notes: tuple[str, ...] = ()
    mention_posts: int = 0
    max_edges: int = 0
    options: FirestormSettings = field(default_factory=FirestormSettings)
    periods: tuple[PeriodDifference, ...] = ()
    preset: str = "early-warning"
    episodes: int = 0
    episode_alerts: dict[str, int] = field(default_factory=dict)
    first_open: str | None = None
    first_open_delay_hours: float | None = None
    history_buckets: int = 0


# ----------------------------------------------------------------------- provenance


@dataclass(frozen=True)
class Environment(Record):
    """Software versions."""

    crowdpulse: str
    python: str
    implementation: str = ""
    platform: str = ""
    machine: str = ""
    libraries: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class InputFile(Record):
    """An input file and its checksum."""

    role: str
    path: str
    bytes: int
    sha256: str
    stage: str | None = None


@dataclass(frozen=True)
class StageProvenance(Record):
    """A stage's status, key and parameters in this run."""

    status: str
    key: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    finished: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Provenance(Record):
    """What produced a page (``provenance.json``)."""

    generated: str
    environment: Environment
    command: str | None = None
    inputs: tuple[InputFile, ...] = ()
    stages: dict[str, StageProvenance] = field(default_factory=dict)


RESULT_TYPES: dict[str, type[StageResult]] = {
    cls.stage: cls
    for cls in (
        IngestResult,
        FeaturesResult,
        LabelsResult,
        SolidarityResult,
        GeographyResult,
        EmojisResult,
        FirestormStageResult,
    )
}
"""Stage name -> its result type."""


@typing.overload
def result_of(record: Any, cls: type[T]) -> T: ...
@typing.overload
def result_of(record: Any, cls: None = None) -> StageResult: ...
def result_of(record: Any, cls: type[StageResult] | None = None) -> StageResult:
    """The typed result of a finished stage's record.

    Args:
        record: A :class:`~crowdpulse.report.cache.StageRecord` that is ``ok``.
        cls: The expected type (default: the stage's type from :data:`RESULT_TYPES`).

    Returns:
        The result.

    Raises:
        InputError: The stage's summary does not match the result's shape.
    """
    kind = cls or RESULT_TYPES[record.name]
    result = kind.from_dict(record.summary)
    assert isinstance(result, kind)
    return result
