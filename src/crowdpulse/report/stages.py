"""The report's stages: ingest, features, labels, solidarity, geography, emojis, firestorm.

Each stage calls the library function of its area and writes its outputs into
``DIR/stages/<name>/`` (see :mod:`crowdpulse.report.cache` for the keys and
manifests). What each stage reads and writes:

============  ============================  ===============================================
stage         reads                         writes
============  ============================  ===============================================
ingest        the event's raw inputs        ``corpus.parquet``, ``quarantine.jsonl``
features      ingest                        ``features.parquet`` (tokens, emojis, lex_*)
labels        features                      ``labelled.parquet`` (original posts with a
                                            solidarity label), ``labels.csv``
solidarity    labels                        ``cv_results.csv``/``.json``, ``cv_folds.csv``,
                                            ``term_weights.csv``/``.png``/``.svg``
geography     ingest                        ``geo.parquet`` (id + geotag columns),
                                            ``countries.csv``, ``countries.png``/``.svg``
emojis        labels, geography             Tables 1, 4, 5, 6 (CSV), co-occurrence
                                            networks (GEXF, GraphML, PNG, SVG), diffusion
firestorm     features                      ``series.csv``, ``changepoints.csv``,
                                            ``alerts.jsonl``, ``evaluation.json``,
                                            Figures 1-6, ``mention_network_peak.gexf``
============  ============================  ===============================================

Each stage's parameters are only the settings it uses, so changing, say, the
emoji bucket recomputes the emojis stage alone, and changing the number of folds
the solidarity stage alone. Retweets are kept by ingest (the firestorm's networks
need them) and set aside by the labels stage (the solidarity papers study
original posts).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crowdpulse.conventions import iso_utc, json_default
from crowdpulse.event import Event
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.io.corpus import add_columns_in_order, iter_row_groups, write_csv
from crowdpulse.io.pseudonym import pseudonym, pseudonymize_target
from crowdpulse.report.cache import StageContext, StageSpec

if TYPE_CHECKING:
    from crowdpulse.engine import Engine
from crowdpulse.report.results import (
    RESULT_SCHEMA,
    EmojisResult,
    FeaturesResult,
    FirestormStageResult,
    GeographyResult,
    IngestResult,
    LabelsResult,
    SolidarityResult,
    StageResult,
)

__all__ = [
    "DEFAULT_MODELS",
    "REPORT_STAGES",
    "SVM_BASELINES",
    "ReportOptions",
    "ReportState",
    "stage_names",
    "stage_params",
    "stage_skips",
]

DEFAULT_MODELS: tuple[str, ...] = ("svm-bigram", "svm-tfidf", "svm-tfidf-bigram", "logreg")
"""The linear models cross-validated by default (the paper's three SVMs and the
term-weight model)."""

SVM_BASELINES: tuple[str, ...] = ("svm-bigram", "svm-tfidf", "svm-tfidf-bigram")
"""The three SVM baselines whose mean the 2015 paper reports."""

Balance = Literal["none", "undersample", "class-weight"]


@dataclass(frozen=True)
class ReportOptions:
    """The settings of a report; the event description gives the rest.

    Attributes:
        keep_retweets: Keep retweets in the corpus (for the retweet counts and the
            networks); the solidarity stages always use original posts only.
        lexicon: Lexicon of the features stage (``open``, ``empath``, or a LIWC
            ``.dic`` path).
        label_exclude: Label-column values that mean "no label" (e.g. CrisisLex's
            ``Not labeled``).
        models: Models cross-validated (registry keys).
        with_lstm: Also cross-validate the RNN+LSTM (slow; extra ``deep``).
        lstm_epochs: Its training epochs (paper: 20).
        folds: Stratified folds (paper: 10).
        balance: ``undersample`` (the 2015 study: equal classes; the accuracy it
            reports is on such sets), ``class-weight`` (the 2018 study) or ``none``.
        emoji_ablation: Also cross-validate every model without emoji features.
        max_per_class: Train and cross-validate on at most this many labelled posts
            of each class, drawn with the seed (None: all of them). The default,
            100,000, changes nothing on events with fewer labelled posts a class, and
            bounds the solidarity stage's memory and time on a very large event, whose
            labelled sample grows with the corpus (a linear SVM's training time grows
            faster than its sample).
        term_k: Terms per direction in the term-weight figure.
        seed: Seed of the folds, undersampling, models and network layouts.
        min_confidence: Geotags below this confidence are left out.
        top_k: Length of the emoji top lists (paper: 10).
        formats: Figure formats written beside the page (PNG is always written).
        count_transform: How count series reach the firestorm detector.
        firestorm_offline: Also run offline PELT on each whole series.
        jobs: Worker processes of the features stage and threads of the
            cross-validation.
        workers: Start a local Dask cluster of this many workers for the
            partitioned stages (ingest, features, emojis, firestorm); 0: no cluster
            (extra ``dask``).
        scheduler: Address of a running Dask scheduler (instead of ``workers``).
    """

    keep_retweets: bool = True
    lexicon: str = "open"
    label_exclude: tuple[str, ...] = ()
    models: tuple[str, ...] = DEFAULT_MODELS
    with_lstm: bool = False
    lstm_epochs: int = 20
    folds: int = 10
    balance: Balance = "undersample"
    emoji_ablation: bool = True
    max_per_class: int | None = 100_000
    term_k: int = 20
    seed: int = 0
    min_confidence: float = 0.0
    top_k: int = 10
    formats: tuple[str, ...] = ("png", "svg")
    count_transform: Literal["anscombe", "none"] = "anscombe"
    firestorm_offline: bool = True
    jobs: int = 1
    workers: int = 0
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.folds < 2:
            raise ConfigError("cross-validation needs at least 2 folds", field="folds")
        if self.balance not in ("none", "undersample", "class-weight"):
            raise ConfigError("balance must be none, undersample or class-weight", field="balance")
        if not self.models and not self.with_lstm:
            raise ConfigError("give at least one model", field="models")
        for fmt in self.formats:
            if fmt not in ("png", "svg", "pdf"):
                raise ConfigError(f"unknown figure format {fmt!r}", field="formats")
        if self.term_k < 1 or self.top_k < 1 or self.lstm_epochs < 1:
            raise ConfigError("term_k, top_k and lstm_epochs must be at least 1")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ConfigError("min_confidence must be within 0..1", field="min_confidence")
        if self.jobs < 1:
            raise ConfigError("jobs must be at least 1", field="jobs")
        if self.max_per_class is not None and self.max_per_class < self.folds:
            raise ConfigError(
                "max_per_class must be at least the number of folds", field="max_per_class"
            )

    def figure_formats(self) -> tuple[str, ...]:
        """The formats written, PNG first (the page embeds the PNG)."""
        return ("png", *[f for f in self.formats if f != "png"])

    def all_models(self) -> tuple[str, ...]:
        """The models cross-validated, the LSTM last when asked for."""
        return (*self.models, "lstm") if self.with_lstm else tuple(self.models)

    def to_dict(self) -> dict[str, Any]:
        """The options as a JSON-ready dict."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class ReportState:
    """What every stage function can read: the event and the options.

    Attributes:
        event: The event description.
        options: The report's options.
    """

    event: Event
    options: ReportOptions


def _iso(moment: Any) -> str | None:
    return None if moment is None else iso_utc(moment)


def stage_params(event: Event, options: ReportOptions) -> dict[str, dict[str, Any]]:
    """The parameters of each stage: exactly the settings its outputs depend on.

    Args:
        event: The event.
        options: The report's options.

    Returns:
        Stage name -> parameters (JSON-ready).
    """
    labels = event.labels
    firestorm = event.firestorm
    affected = sorted(event.affected_countries)
    schema = {"result_schema": RESULT_SCHEMA}
    # With [privacy], the corpus holds pseudonyms, so an @account target is looked for
    # under its pseudonym. The salt is never a parameter: a keyed check value stands for
    # it, so a new salt re-runs every stage (it says no more than any pseudonym does).
    salt = event.pseudonymize_salt()
    privacy = None
    target = firestorm.target if firestorm else None
    if salt is not None and event.privacy is not None:
        privacy = {
            "salt_env": event.privacy.salt_env,
            "salt_check": pseudonym("crowdpulse-report-cache", salt),
            "quarantine_excerpts": event.privacy.quarantine_excerpts,
        }
        target = pseudonymize_target(target, salt)
    params: dict[str, dict[str, Any]] = {
        "ingest": {
            "inputs": [str(p) for p in event.inputs],
            "lang": event.lang,
            "keywords": list(event.keywords),
            "start": _iso(event.start),
            "end": _iso(event.end),
            "keep_retweets": options.keep_retweets,
            "dedupe": True,
            "privacy": privacy,
        },
        "features": {"lexicon": options.lexicon},
        "labels": {
            # the sheet's bytes are an input (checksum), its path does not matter
            "sheet": bool(labels and labels.sheet),
            "column": labels.column if labels else None,
            "positive": list(labels.positive) if labels else [],
            "exclude": list(options.label_exclude),
            "originals_only": True,
            "drop_conflicting": True,
        },
        "solidarity": {
            "models": list(options.all_models()),
            "folds": options.folds,
            "balance": options.balance,
            "emoji_ablation": options.emoji_ablation,
            "lstm_epochs": options.lstm_epochs if options.with_lstm else None,
            "term_k": options.term_k,
            "seed": options.seed,
            "formats": list(options.figure_formats()),
        },
        "geography": {
            "geocoder": "offline",
            "min_confidence": options.min_confidence,
            "affected": affected,
            "formats": list(options.figure_formats()),
        },
        "emojis": {
            "event": event.name,
            "affected": affected,
            "bucket": event.emojis.bucket,
            "min_count": event.emojis.min_count,
            "top_k": options.top_k,
            "seed": options.seed,
            "formats": list(options.figure_formats()),
        },
        "firestorm": {
            "event": event.name,
            "target": target,
            "bucket_minutes": firestorm.bucket_minutes if firestorm else None,
            "window_buckets": firestorm.window_buckets if firestorm else None,
            "start": _iso(event.start),
            "end": _iso(event.end),
            "count_transform": options.count_transform,
            "offline": options.firestorm_offline,
        },
    }
    params["solidarity"]["max_per_class"] = options.max_per_class
    return {name: {**values, **schema} for name, values in params.items()}


def stage_skips(event: Event) -> dict[str, str]:
    """The stages an event does not allow, with the reason the report prints.

    Args:
        event: The event.

    Returns:
        Stage name -> reason.
    """
    skips: dict[str, str] = {}
    if event.labels is None:
        skips["labels"] = "the event has no [labels] section (a hashtag sheet or a label column)"
    if event.firestorm is None:
        skips["firestorm"] = "the event has no [firestorm] section (no target to look for)"
    return skips


def _state(ctx: StageContext) -> ReportState:
    state = ctx.state
    assert isinstance(state, ReportState)
    return state


def _write_json(value: Any, path: Path) -> Path:
    path.write_text(
        json.dumps(value, indent=2, ensure_ascii=False, default=json_default) + "\n",
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------- ingest


def _engine(options: ReportOptions) -> AbstractContextManager[Engine]:
    """Where the partitioned stages run (``workers`` / ``scheduler``; default here)."""
    from crowdpulse.engine import open_engine

    return open_engine(options.workers or None, options.scheduler)


def _valid(batch: pa.RecordBatch | pa.Table, column: str) -> int:
    """Non-null values of a column of a batch."""
    values = batch.column(column)
    return len(values) - values.null_count


def _ingest(ctx: StageContext) -> dict[str, Any]:
    from crowdpulse.corpus_info import DESCRIBE_COLUMNS, CorpusSummary
    from crowdpulse.io.ingest import IngestOptions, ingest

    event = _state(ctx).event
    p = ctx.params
    if not p["inputs"]:
        raise ConfigError("the event lists no inputs", field="inputs")
    options = IngestOptions(
        keep_retweets=p["keep_retweets"],
        lang=p["lang"],
        dedupe=p["dedupe"],
        since=event.start,
        until=event.end,
        keywords=tuple(p["keywords"]),
        pseudonymize_salt=event.pseudonymize_salt() if p.get("privacy") else None,
        quarantine_excerpts=(p.get("privacy") or {}).get("quarantine_excerpts", "redact"),
    )
    corpus = ctx.path("corpus.parquet")
    with _engine(_state(ctx).options) as engine:  # partitions of the inputs as tasks
        summary = ingest(
            p["inputs"],
            corpus,
            quarantine=ctx.path("quarantine.jsonl"),
            options=options,
            quiet=True,
            engine=engine,
        )
    ctx.bar.advance()
    out = summary.as_dict()
    out["output"] = "corpus.parquet"
    out["quarantine_file"] = "quarantine.jsonl" if summary.quarantine_file else None
    # batch by batch, only the columns describe() and the counts read (never the texts):
    # memory grows with distinct values (authors, hashtags, days ...), not with posts
    names = pq.read_schema(corpus).names
    extra = ("author_location", "latitude", "place_country_code", "author_handle")
    columns = [n for n in (*DESCRIBE_COLUMNS, *extra) if n in names]
    totals = CorpusSummary()
    with_location = with_coordinates = with_place = with_author = 0
    for batch in iter_row_groups(corpus, columns=columns):
        totals.add(batch)
        with_location += _valid(batch, "author_location")
        with_coordinates += _valid(batch, "latitude")
        with_place += _valid(batch, "place_country_code")
        anonymous = pc.and_(pc.is_null(batch["author_id"]), pc.is_null(batch["author_handle"]))
        with_author += batch.num_rows - int(pc.sum(anonymous).as_py() or 0)
    described = totals.result()
    described.pop("mentions", None)  # account names stay out of the page
    described["with_location"] = with_location
    described["with_coordinates"] = with_coordinates
    described["with_place"] = with_place
    described["with_author"] = with_author
    out["corpus"] = described
    return out


# ------------------------------------------------------------------------- features


def _features(ctx: StageContext) -> dict[str, Any]:
    from crowdpulse.text.features import features_file

    options = _state(ctx).options
    source = ctx.upstream["ingest"].file("corpus.parquet")
    out = ctx.path("features.parquet")
    with _engine(options) as engine:
        summary = features_file(
            source,
            out,
            lexicon=ctx.params["lexicon"],
            quiet=True,
            n_jobs=options.jobs,
            engine=engine,
        )
    ctx.bar.advance()
    n = with_emoji = emojis = words = 0
    for batch in iter_row_groups(out, columns=["emojis", "word_count"]):  # bounded memory
        lengths = pc.list_value_length(batch.column("emojis"))
        n += batch.num_rows
        with_emoji += pc.sum(pc.greater(lengths, 0)).as_py() or 0
        emojis += pc.sum(lengths).as_py() or 0
        words += pc.sum(batch.column("word_count")).as_py() or 0
    added = summary["columns_added"]
    columns = [str(c) for c in added] if isinstance(added, list) else []
    return {
        "posts": int(summary["posts"]),  # type: ignore[call-overload]
        "lexicon": summary["lexicon"],
        "columns_added": columns,
        "categories": [c[4:] for c in columns if c.startswith("lex_")],
        "posts_with_emojis": int(with_emoji),
        "emojis": int(emojis),
        "mean_words": words / n if n else 0.0,
        "output": "features.parquet",
    }


# --------------------------------------------------------------------------- labels


def _tables(source: Path, columns: list[str] | None = None) -> Iterator[pa.Table]:
    """The batches of a Parquet file as tables (one empty table for an empty file)."""
    if pq.read_metadata(source).num_rows == 0:
        empty = pq.read_schema(source).empty_table()
        yield empty if columns is None else empty.select(columns)
        return
    for batch in iter_row_groups(source, columns=columns):
        yield pa.Table.from_batches([batch])


def _labels(ctx: StageContext) -> dict[str, Any]:
    from crowdpulse.label import label_file, read_sheet

    event = _state(ctx).event
    assert event.labels is not None
    # batch by batch (bounded memory): each post's label depends only on the post
    source = ctx.upstream["features"].file("features.parquet")
    column = event.labels.column
    if column is not None and column not in pq.read_schema(source).names:
        raise InputError("the corpus has no such label column", field=column)
    used: Counter[str] = Counter()
    values: Counter[str] = Counter()

    def count(originals: pa.Table, labelled: pa.Table) -> None:
        if "label_hashtags" in labelled.column_names:
            used.update(
                tag for tags in labelled["label_hashtags"].to_pylist() for tag in tags or []
            )
        if column is not None:
            cells = originals.column(column).cast(pa.string()).to_pylist()
            values.update(v for v in cells if v is not None)

    done = label_file(
        source,
        ctx.path("labelled.parquet"),
        event.labels,
        exclude=tuple(ctx.params["exclude"]),
        originals_only=True,
        on_batch=count,
    )
    counts: dict[str, Any] = done.counts.to_dict()
    n_posts, n_originals, n_labelled = done.posts, done.originals, done.labelled
    ctx.bar.advance()
    summary: dict[str, Any] = {
        "posts": n_posts,
        "retweets_set_aside": n_posts - n_originals,
        "originals": n_originals,
        "labelled_posts": n_labelled,
        "counts": counts,
        "source": "sheet" if event.labels.sheet is not None else "column",
    }
    write_csv(
        pa.table(
            {
                "label": ["solidarity", "not solidarity", "conflicting", "unlabelled"],
                "posts": [
                    counts["solidarity"],
                    counts["not_solidarity"],
                    counts["conflicting"],
                    counts["unlabelled"],
                ],
            }
        ),
        ctx.path("labels.csv"),
    )
    if event.labels.sheet is not None:
        sheet = read_sheet(event.labels.sheet)
        summary["sheet"] = sheet.summary()
        lexicon = sheet.lexicon()
        rows = sorted(used.items(), key=lambda kv: (-kv[1], kv[0]))
        hashtags = pa.table(
            {
                "hashtag": [t for t, _ in rows],
                "label": [lexicon.get(t) for t, _ in rows],
                "posts": [n for _, n in rows],
            }
        )
        write_csv(hashtags, ctx.path("label_hashtags.csv"))
        summary["top_hashtags"] = [
            {"hashtag": t, "label": lexicon.get(t), "posts": n} for t, n in rows[:12]
        ]
    else:
        assert column is not None
        rows = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        positive = set(event.labels.positive)
        excluded = set(ctx.params["exclude"])
        value_table = pa.table(
            {
                "value": [v for v, _ in rows],
                "posts": [n for _, n in rows],
                "means": [
                    "solidarity"
                    if v in positive
                    else ("no label" if v in excluded else "not solidarity")
                    for v, _ in rows
                ],
            }
        )
        write_csv(value_table, ctx.path("label_values.csv"))
        summary["values"] = value_table.to_pylist()
    ctx.bar.advance()
    return summary


# ----------------------------------------------------------------------- solidarity


def _model_label(name: str, emojis: bool) -> str:
    return name if emojis else f"{name} (no emoji)"


_SPARE_TERMS = 10


def _without_accounts(weights: Sequence[Any], k: int) -> tuple[list[Any], int]:
    """Leave out terms that name an account (``@name``) and re-rank; keep ``k`` per list.

    Account names are user names: the page and its files show none.
    """
    from dataclasses import replace

    groups: dict[tuple[str, str], list[Any]] = {}
    dropped = 0
    for w in weights:
        if any(part.startswith("@") for part in w.term.split()):
            dropped += int(w.rank <= k)
            continue
        groups.setdefault((w.label, w.direction), []).append(w)
    out: list[Any] = []
    for items in groups.values():
        items.sort(key=lambda w: w.rank)
        out.extend(replace(w, rank=i) for i, w in enumerate(items[:k], start=1))
    return out, dropped


def _per_class_sample(source: Path, label: str, cap: int | None, seed: int) -> np.ndarray | None:
    """Positions (among the labelled posts, in file order) of at most ``cap`` posts a class.

    None when there is no cap or no class has more posts than it. The draw reads only
    the label column and depends only on the labels and the seed.
    """
    if cap is None or label not in pq.read_schema(source).names:
        return None
    labels = [
        pc.drop_null(batch.column(label)) for batch in iter_row_groups(source, columns=[label])
    ]
    values = np.asarray(
        pa.chunked_array(labels, type=pq.read_schema(source).field(label).type)
        .cast(pa.string())
        .to_numpy(zero_copy_only=False),
        dtype=object,
    )
    classes = sorted(set(values.tolist()))
    if all(int((values == c).sum()) <= cap for c in classes):
        return None
    rng = np.random.default_rng(seed)
    kept = []
    for value in classes:
        rows = np.flatnonzero(values == value)
        kept.append(np.sort(rng.choice(rows, size=cap, replace=False)) if rows.size > cap else rows)
    return np.sort(np.concatenate(kept))


def _solidarity(ctx: StageContext) -> dict[str, Any]:
    from crowdpulse.classify import (
        cross_validate,
        make_model,
        plot_term_weights,
        results_to_json,
        term_weights,
        term_weights_table,
        training_data_from_table,
    )

    options = _state(ctx).options
    p = ctx.params
    # only the labelled posts (the training sample) and the columns the models read,
    # batch by batch: memory grows with the labelled sample, not with the corpus
    source = ctx.upstream["labels"].file("labelled.parquet")
    names = pq.read_schema(source).names
    wanted = [n for n in ("id", "text", "text_for_training", "solidarity", "label") if n in names]
    label = "solidarity" if "solidarity" in names else "label"
    chosen = _per_class_sample(source, label, p.get("max_per_class"), p["seed"])
    parts = []
    offset = 0
    for batch in iter_row_groups(source, columns=wanted):
        part = pa.Table.from_batches([batch])
        if label in names:
            part = part.filter(pc.is_valid(part.column(label)))
        if chosen is not None:  # the drawn posts of the labelled ones (in file order)
            at = np.arange(offset, offset + part.num_rows)
            offset += part.num_rows
            hit = np.minimum(np.searchsorted(chosen, at), len(chosen) - 1)
            part = part.filter(pa.array(chosen[hit] == at))
        parts.append(part)
    table = pa.concat_tables(parts) if parts else pq.read_schema(source).empty_table()
    data = training_data_from_table(table, source="labelled.parquet").labelled()
    counts = Counter(str(v) for v in data.labels)
    if len(counts) < 2:
        raise ConfigError(
            "cross-validation needs posts of both classes; labelled: "
            + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"),
            field="labels",
        )
    variants = [True, False] if p["emoji_ablation"] else [True]
    models: dict[str, Any] = {}
    for emojis in variants:
        for name in p["models"]:
            params: dict[str, Any] = {"random_state": p["seed"]}
            if not emojis:
                params["emojis"] = False
            if name == "lstm":
                params["epochs"] = p["lstm_epochs"]
                params["quiet"] = True
            models[_model_label(name, emojis)] = make_model(name, **params)
    results = cross_validate(
        data.texts,
        data.labels,
        models,
        folds=p["folds"],
        seed=p["seed"],
        balance=p["balance"],
        n_jobs=options.jobs,
        quiet=True,
    )
    ctx.bar.advance()
    n_used = len(data) if p["balance"] != "undersample" else 2 * min(counts.values())
    _write_json(
        results_to_json(
            results,
            n_posts=len(data),
            n_used=n_used,
            class_counts=dict(counts),
            folds=p["folds"],
            balance=p["balance"],
            seed=p["seed"],
        ),
        ctx.path("cv_results.json"),
    )
    rows: list[dict[str, Any]] = []
    fold_rows: list[dict[str, Any]] = []
    for label, result in results.items():
        name = label.removesuffix(" (no emoji)")
        per_class = result.per_class().get("solidarity", {})
        rows.append(
            {
                "model": name,
                "emojis": not label.endswith("(no emoji)"),
                "accuracy": result.accuracy,
                "accuracy_sd": result.accuracy_sd,
                "macro_f1": result.macro_f1,
                "macro_f1_sd": result.macro_f1_sd,
                "pooled_accuracy": result.pooled_accuracy,
                "solidarity_precision": per_class.get("precision"),
                "solidarity_recall": per_class.get("recall"),
                "solidarity_f1": per_class.get("f1"),
                "folds": len(result.folds),
                "seconds": round(sum(f.seconds for f in result.folds), 3),
            }
        )
        for fold in result.folds:
            fold_rows.append(
                {
                    "model": name,
                    "emojis": not label.endswith("(no emoji)"),
                    "fold": fold.fold,
                    "n_train": fold.n_train,
                    "n_test": fold.n_test,
                    "accuracy": fold.accuracy,
                    "macro_f1": fold.macro_f1,
                }
            )
    write_csv(pa.Table.from_pylist(rows), ctx.path("cv_results.csv"))
    write_csv(pa.Table.from_pylist(fold_rows), ctx.path("cv_folds.csv"))
    fitted = term_weights(
        data.texts, data.labels, k=p["term_k"] + _SPARE_TERMS, class_weight="balanced"
    )
    weights, accounts = _without_accounts(fitted, p["term_k"])
    write_csv(term_weights_table(weights), ctx.path("term_weights.csv"))
    ctx.bar.advance()
    figure = None
    if any(w.label == "solidarity" for w in weights):
        for fmt in p["formats"]:
            plot_term_weights(
                weights,
                ctx.path(f"term_weights.{fmt}"),
                label="solidarity",
                k=p["term_k"],
                title="Top terms: solidarity vs not solidarity (L2 logistic regression)",
                height=max(6.0, 1.6 + 0.3 * 2 * p["term_k"]),
            )
        figure = "term_weights.png"
    ctx.bar.advance()
    baselines = [r["accuracy"] for r in rows if r["model"] in SVM_BASELINES and r["emojis"]]
    lstm = next((r["accuracy"] for r in rows if r["model"] == "lstm" and r["emojis"]), None)
    top = {
        direction: [
            w.term
            for w in weights
            if w.label == "solidarity" and w.direction == direction and w.rank <= 10
        ]
        for direction in ("positive", "negative")
    }
    return {
        "n_posts": len(data),
        "n_used": n_used,
        "class_counts": dict(counts),
        "folds": p["folds"],
        "balance": p["balance"],
        "models": rows,
        "svm_mean_accuracy": sum(baselines) / len(baselines)
        if len(baselines) == len(SVM_BASELINES)
        else None,
        "lstm_accuracy": lstm,
        "term_weights_figure": figure,
        "account_terms_left_out": accounts,
        "top_terms": top,
    }


# ------------------------------------------------------------------------ geography

_GEO_INPUTS = ("id", "author_id", "latitude", "longitude", "place_country_code", "author_location")


def _geography(ctx: StageContext) -> dict[str, Any]:
    from crowdpulse.corpus_info import ValueCounts
    from crowdpulse.geo.geotag import GEOTAG_FIELDS, Geotagger
    from crowdpulse.report.geography import CountryCounts, plot_countries, region_counts

    p = ctx.params
    tagger = Geotagger(geocoder=p["geocoder"], min_confidence=p["min_confidence"], quiet=True)
    # batch by batch: geo.parquet is written as it comes; the tables are counted per
    # batch (posts per country and state, regions, distinct (country, author) pairs),
    # so memory grows with the distinct authors and places, not with the posts
    geo_columns = ["id", *[f.name for f in GEOTAG_FIELDS]]
    countries_ = CountryCounts()
    states_ = ValueCounts(pa.string())
    regions = {"inside": 0, "outside": 0, "unknown": 0}
    present = {"coordinates": 0, "place": 0, "profile_location": 0}
    inputs = {"coordinates": "latitude", "place": "place_country_code"}
    inputs["profile_location"] = "author_location"
    n_posts = 0
    writer: pq.ParquetWriter | None = None
    try:
        for part in _tables(ctx.upstream["ingest"].file("corpus.parquet"), list(_GEO_INPUTS)):
            tagged = tagger.tag(part)
            geo = tagged.select(geo_columns)
            if writer is None:
                schema = geo.schema
                writer = pq.ParquetWriter(ctx.path("geo.parquet"), schema, compression="zstd")
            writer.write_table(geo.cast(schema))
            kept = tagged.select(["country", "us_state", "author_id"])
            countries_.add(kept)
            states_.add(kept.column("us_state"))
            for key, value in region_counts(kept, p["affected"]).items():
                regions[key] += value
            for key, column in inputs.items():
                present[key] += _valid(part, column)
            n_posts += part.num_rows
    finally:
        if writer is not None:
            writer.close()
    ctx.bar.advance()
    countries = countries_.table(p["affected"])
    write_csv(countries, ctx.path("countries.csv"))
    by_source = {name: int(tagger.counts[name]) for name in ("coordinates", "place", "profile")}
    write_csv(
        pa.table({"source": list(by_source), "posts": list(by_source.values())}),
        ctx.path("geo_sources.csv"),
    )
    if len(states_):
        pairs = states_.top(len(states_))
        write_csv(
            pa.table({"us_state": [s for s, _ in pairs], "posts": [n for _, n in pairs]}),
            ctx.path("us_states.csv"),
        )
    figure = None
    if countries.num_rows:
        for fmt in p["formats"]:
            plot_countries(countries, ctx.path(f"countries.{fmt}"))
        figure = "countries.png"
    ctx.bar.advance()
    return {
        "posts": n_posts,
        "tagged": sum(by_source.values()),
        "by_source": by_source,
        "inputs_present": present,
        "unique_locations": tagger.unique_locations,
        "countries": countries.num_rows,
        "top_countries": countries.slice(0, 15).to_pylist(),
        "regions": regions,
        "affected": p["affected"],
        "figure": figure,
    }


# --------------------------------------------------------------------------- emojis


def _emojis(ctx: StageContext) -> dict[str, Any]:
    import logging

    from crowdpulse.emoji import analyze_emojis_file, write_emoji_report
    from crowdpulse.geo.geotag import GEOTAG_FIELDS

    event = _state(ctx).event
    p = ctx.params
    # the labelled posts with their geotags, joined in corpus order batch by batch
    joined = ctx.path(".emoji_input.parquet")
    add_columns_in_order(
        ctx.upstream["labels"].file("labelled.parquet"),
        ctx.upstream["geography"].file("geo.parquet"),
        joined,
        [f.name for f in GEOTAG_FIELDS],
        source_columns=["id", "created_at", "emojis", "solidarity"],
    )
    logger = logging.getLogger("crowdpulse.emoji.pipeline")
    level = logger.level
    logger.setLevel(logging.ERROR)  # the page says when no affected region is listed
    try:
        with _engine(_state(ctx).options) as engine:
            analysis = analyze_emojis_file(
                joined, event, top_k=p["top_k"], quiet=True, engine=engine
            )
    finally:
        logger.setLevel(level)
        joined.unlink(missing_ok=True)
    ctx.bar.advance()
    report = write_emoji_report(
        analysis, ctx.folder, formats=tuple(p["formats"]), seed=p["seed"], quiet=True
    )
    ctx.bar.advance()
    summary = report.to_dict()
    summary["files"] = [Path(f).name for f in report.files]
    summary["glyphs"] = sorted({f.glyphs for f in report.figures.values()})
    return summary


# ------------------------------------------------------------------------ firestorm


def _firestorm(ctx: StageContext) -> dict[str, Any]:
    from crowdpulse.firestorm import FirestormOptions
    from crowdpulse.firestorm.chunks import firestorm_file

    state = _state(ctx)
    event, options = state.event, state.options
    p = ctx.params
    fs_options = FirestormOptions.from_event(
        event, count_transform=p["count_transform"], offline=p["offline"]
    )
    # In time chunks (one day's buckets and the window before them), never the whole
    # corpus; the chunks run as tasks of the engine (this process by default). The
    # outputs: as crowdpulse firestorm (the series, Figures 1-6, periods.csv, the peak
    # networks).
    with _engine(options) as engine:
        done = firestorm_file(
            ctx.upstream["features"].file("features.parquet"),
            p["target"],
            ctx.folder,
            options=fs_options,
            origin=event.start,
            end=event.end,
            event=event.name,
            lexicon=options.lexicon,
            quiet=True,
            engine=engine,
        )
    result = done.result
    ctx.bar.advance()
    files = {k: Path(v).name for k, v in done.files.items()}
    ctx.bar.advance()
    truth = result.truth
    notes = list(done.analyses.notes)
    periods = done.analyses.periods
    network: dict[str, Any] | None = None
    if done.window is not None and done.networks is not None:
        mention, retweet = done.networks["mention"], done.networks["retweet"]
        network = {
            "start": _iso(done.window[0]),
            "end": _iso(done.window[1]),
            "nodes": mention["nodes"],
            "edges": mention["edges"],
            "retweet_nodes": retweet["nodes"],
            "retweet_edges": retweet["edges"],
            "target_found": mention["target_found"],
        }
    else:
        notes.append("the series have no peak: no network files")
    ctx.bar.advance()
    summary = result.summary()
    summary["truth"] = truth.to_dict()
    summary["evaluations"] = [e.to_dict() for e in result.evaluations.values()]
    summary["files"] = files
    summary["network_peak"] = network
    summary["notes"] = notes
    summary["mention_posts"] = int(pc.sum(result.metrics.column("mention_posts")).as_py() or 0)
    summary["max_edges"] = int(pc.max(result.metrics.column("edges")).as_py() or 0)
    summary["options"] = {
        "bucket_minutes": fs_options.bucket_minutes,
        "window_buckets": fs_options.window_buckets,
        "detector_window": fs_options.detector_window,
        "penalties": list(fs_options.penalties),
        "cost": fs_options.cost,
        "count_transform": fs_options.count_transform,
        "offline": fs_options.offline,
    }
    if periods is not None:
        summary["periods"] = [
            {k: r[k] for k in ("subset", "category", "difference", "p", "class")}
            for r in periods.to_pylist()
        ]
    return summary


def _typed(run: Any, kind: type[StageResult]) -> Any:
    """Check a stage's summary against its typed result before the cache stores it."""

    def checked(ctx: StageContext) -> dict[str, Any]:
        summary = run(ctx)
        kind.from_dict(json.loads(json.dumps(summary, default=json_default)))
        return summary

    checked.__name__ = getattr(run, "__name__", kind.stage)
    checked.__doc__ = run.__doc__
    return checked


REPORT_STAGES: tuple[StageSpec, ...] = (
    StageSpec("ingest", "Ingest", _typed(_ingest, IngestResult), (), steps=1, fatal=True),
    StageSpec(
        "features", "Features", _typed(_features, FeaturesResult), ("ingest",), steps=1, fatal=True
    ),
    StageSpec("labels", "Labels", _typed(_labels, LabelsResult), ("features",), steps=2),
    StageSpec(
        "solidarity",
        "Solidarity classifiers",
        _typed(_solidarity, SolidarityResult),
        ("labels",),
        steps=3,
    ),
    StageSpec("geography", "Geography", _typed(_geography, GeographyResult), ("ingest",), steps=2),
    StageSpec("emojis", "Emojis", _typed(_emojis, EmojisResult), ("labels", "geography"), steps=2),
    StageSpec(
        "firestorm", "Firestorm", _typed(_firestorm, FirestormStageResult), ("features",), steps=3
    ),
)
"""The report's stages, in the order they run."""


def stage_names() -> Sequence[str]:
    """The names of the report's stages, in order."""
    return [s.name for s in REPORT_STAGES]
