"""``crowdpulse classify evaluate|train|predict``: solidarity classifiers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option
from crowdpulse.exceptions import ConfigError

__all__ = ["command"]

_BALANCE = click.Choice(["none", "undersample", "class-weight"])


def _data_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--text-col", help="Text column (default: text_for_training, else text)."),
        click.option("--label-col", help="Label column (default: solidarity, else label)."),
        click.option("--id-col", help="Id column (default: id, else the row number)."),
        click.option(
            "--positive",
            multiple=True,
            help="Label value meaning solidarity; others become 'not solidarity' (repeatable).",
        ),
        click.option(
            "--exclude",
            multiple=True,
            help="Label value meaning no label, e.g. 'Not labeled' (repeatable).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _model_params(
    name: str, no_emoji: bool, glove: str | None, epochs: int | None, seed: int, quiet: bool
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if no_emoji:
        params["emojis"] = False
    if name in ("lstm", "sentence-embed", "stack-tfidf-embed", "svm-word-char", "stack-finetuned"):
        params["quiet"] = quiet
    if name == "lstm":
        if glove is not None:
            params["glove"] = glove
        if epochs is not None:
            params["epochs"] = epochs
    params["random_state"] = seed
    return params


def _peak_memory_mb() -> int | None:
    """Peak resident memory of this process so far, in MB (None where unknown)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak / (1024 * 1024 if sys.platform == "darwin" else 1024))


def _load(
    data: str,
    text_col: str | None,
    label_col: str | None,
    id_col: str | None,
    positive: tuple[str, ...],
    exclude: tuple[str, ...],
    group_col: str | None = None,
) -> Any:
    from crowdpulse.classify.data import read_training_data

    loaded = read_training_data(
        data,
        text_col=text_col,
        label_col=label_col,
        id_col=id_col,
        group_col=group_col,
        positive=positive,
        exclude=exclude,
    ).labelled()
    if len(loaded) == 0:
        raise ConfigError("no labelled posts in the data", field="label-col")
    return loaded


@click.group("classify")
def command() -> None:
    """Train, evaluate and apply solidarity classifiers (SVM, logistic regression, LSTM...).

    Models: svm-bigram, svm-tfidf, svm-tfidf-bigram, logreg, svm-word-char, lstm (needs
    crowdpulse[deep]; a 10-fold CV of 20 epochs on 22k posts takes about 25 CPU-minutes),
    sentence-embed, stack-tfidf-embed and stack-finetuned (need crowdpulse[embed];
    stack-tfidf-embed is the recommended model: see `crowdpulse classify models`;
    stack-finetuned fine-tunes MiniLM six times: 25 minutes on 2 idle cores). DATA is a
    labelled corpus (Parquet, from crowdpulse label), a CSV with --text-col and --label-col,
    or a folder of CSV files (one folder per event, e.g. CrisisLexT26: the folder name is
    the column `event`).

    \b
    Example:
      crowdpulse classify evaluate labelled.parquet --model svm-tfidf --model lstm --folds 10 --json
      crowdpulse classify train labelled.parquet --model logreg -o model.skops
      crowdpulse classify predict model.skops corpus.parquet -o predictions.parquet
    """


@command.command("evaluate")
@click.argument("data", type=click.Path(exists=True))
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Model key (repeatable; default: the three SVMs and logreg).",
)
@click.option("--folds", default=10, show_default=True, type=int, help="Stratified folds.")
@click.option("--group-col", help="Leave one group out instead of k-fold (e.g. an event column).")
@click.option(
    "--test",
    "test_data",
    type=click.Path(exists=True),
    help="Train on all of DATA and score on this other labelled file or folder (same "
    "column options) instead of cross-validating.",
)
@click.option(
    "--balance",
    type=_BALANCE,
    default="class-weight",
    show_default=True,
    help="Class balancing: 2015 study undersample, 2018 study class-weight.",
)
@click.option(
    "--no-emoji", is_flag=True, help="Drop emojis from the features (the emoji ablation)."
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=int,
    help="Seed of folds, undersampling and models.",
)
@click.option("--n-jobs", default=1, show_default=True, type=int, help="Folds fitted at once.")
@click.option("--glove", help="LSTM: GloVe text file (default: the packaged GloVe 6B 50d).")
@click.option("--epochs", type=int, help="LSTM: training epochs (default 20).")
@_data_options
@quiet_option
@json_option
@handle_errors
def evaluate(
    data: str,
    models: tuple[str, ...],
    folds: int,
    group_col: str | None,
    test_data: str | None,
    balance: str,
    no_emoji: bool,
    seed: int,
    n_jobs: int,
    glove: str | None,
    epochs: int | None,
    text_col: str | None,
    label_col: str | None,
    id_col: str | None,
    positive: tuple[str, ...],
    exclude: tuple[str, ...],
    quiet: bool,
    as_json: bool,
) -> None:
    """Cross-validate models on the same folds: accuracy, macro-F1, per-class precision/recall.

    Prints a table, or with --json one object {"models": {NAME: {"accuracy", "macro_f1",
    "per_class", "folds", ...}}} (means over folds, their sd, and every fold). With
    --group-col each fold holds out one group (leave-one-event-out); with --test the
    models are trained on DATA and scored on the other data (train on A, test on B).

    \b
    Example:
      crowdpulse classify evaluate labelled.parquet --model svm-bigram --model svm-tfidf --json
      crowdpulse classify evaluate ../shared/data/crisislex/CrisisLexT26 \\
          --text-col "Tweet Text" --label-col "Information Type" \\
          --positive "Sympathy and support" --exclude "Not labeled" --group-col event \\
          --model svm-tfidf-bigram --model stack-tfidf-embed
      crowdpulse classify evaluate tweets.csv --text-col "Tweet Text" \\
          --label-col "Information Type" --positive "Sympathy and support" \\
          --exclude "Not labeled" --model logreg --no-emoji
    """
    from crowdpulse.classify.evaluate import cross_validate, results_table, results_to_json
    from crowdpulse.classify.registry import make_model

    loaded = _load(data, text_col, label_col, id_col, positive, exclude, group_col)
    names = list(models) or ["svm-bigram", "svm-tfidf", "svm-tfidf-bigram", "logreg"]
    built = {
        name: make_model(name, **_model_params(name, no_emoji, glove, epochs, seed, quiet))
        for name in names
    }
    if test_data is not None:
        from crowdpulse.classify.evaluate import train_test

        other = _load(test_data, text_col, label_col, id_col, positive, exclude)
        scores = train_test(
            loaded.texts,
            loaded.labels,
            other.texts,
            other.labels,
            built,
            balance=balance,  # type: ignore[arg-type]
            seed=seed,
            quiet=quiet,
        )
        if as_json:
            emit_json(
                {
                    "train": data,
                    "test": test_data,
                    "n_train": len(loaded),
                    "n_test": len(other),
                    "balance": balance,
                    "models": {k: v.to_dict() for k, v in scores.items()},
                }
            )
            return
        click.echo(
            f"trained on {len(loaded)} posts of {data}; tested on {len(other)} of {test_data}"
        )
        for name, score in scores.items():
            per = ", ".join(
                f"{c} F1 {d['f1']:.3f}" for c, d in score.per_class.items() if d["f1"] == d["f1"]
            )
            click.echo(
                f"{name:<20} macro-F1 {score.macro_f1:.3f}  accuracy {score.accuracy:.3f}  "
                f"({per}; {score.seconds:.1f} s)"
            )
        return
    results = cross_validate(
        loaded.texts,
        loaded.labels,
        built,
        folds=folds,
        groups=loaded.groups,
        seed=seed,
        balance=balance,  # type: ignore[arg-type]
        n_jobs=n_jobs,
        quiet=quiet,
    )
    counts = Counter(loaded.labels)
    if as_json:
        emit_json(
            results_to_json(
                results,
                n_posts=len(loaded),
                class_counts=dict(counts),
                folds=folds if group_col is None else "leave-one-group-out",
                balance=balance,
                emojis=not no_emoji,
                seed=seed,
            )
        )
        return
    positive_class = "solidarity" if "solidarity" in counts else None
    click.echo(f"{len(loaded)} posts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    click.echo(results_table(results, positive=positive_class))


@command.command("train")
@click.argument("data", type=click.Path(exists=True))
@click.option("--model", "model_name", required=True, help="Model key, e.g. svm-tfidf or lstm.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Model file to write."
)
@click.option(
    "--balance", type=_BALANCE, default="class-weight", show_default=True, help="Class balancing."
)
@click.option("--no-emoji", is_flag=True, help="Drop emojis from the features.")
@click.option(
    "--seed", default=0, show_default=True, type=int, help="Seed of undersampling and the model."
)
@click.option("--glove", help="LSTM: GloVe text file (default: the packaged GloVe 6B 50d).")
@click.option("--epochs", type=int, help="LSTM: training epochs (default 20).")
@click.option(
    "--group-col",
    help="Group column (e.g. event): the stacks' inner CV keeps each group whole (transfer).",
)
@_data_options
@quiet_option
@json_option
@handle_errors
def train(
    data: str,
    model_name: str,
    output: str,
    balance: str,
    no_emoji: bool,
    seed: int,
    glove: str | None,
    epochs: int | None,
    group_col: str | None,
    text_col: str | None,
    label_col: str | None,
    id_col: str | None,
    positive: tuple[str, ...],
    exclude: tuple[str, ...],
    quiet: bool,
    as_json: bool,
) -> None:
    """Fit one model on all labelled posts and save it (skops; the LSTM as a torch file).

    SVMs are fitted with a Platt calibration so that predict can give probabilities;
    svm-word-char and stack-tfidf-embed also save the macro-F1 threshold chosen by inner
    cross-validation; with --group-col (e.g. event) that inner CV keeps each event whole, so
    the stacker and the threshold learn from scores on unseen events (the recommended way
    to train for a new crisis). Prints the training time and peak memory. On all of CrisisLexT26
    (24,514 posts) svm-word-char takes about 30 s; stack-tfidf-embed 3.5 min on 2 idle
    cores, the MiniLM encoding included (over an hour on a busy machine);
    stack-finetuned takes 25 minutes on 2 idle cores (six fine-tunes of MiniLM, far
    longer on a busy laptop); the LSTM about 7 s per epoch
    on 22k posts (20 epochs by default).

    \b
    Example:
      crowdpulse classify train labelled.parquet --model svm-tfidf -o svm.skops
      crowdpulse classify train labelled.parquet --model lstm --epochs 20 -o lstm.pt
      crowdpulse classify train ../shared/data/crisislex/CrisisLexT26 --text-col "Tweet Text" \\
          --label-col "Information Type" --positive "Sympathy and support" \\
          --exclude "Not labeled" --group-col event --model stack-tfidf-embed -o stack.skops
    """
    from crowdpulse.classify.persist import save_model
    from crowdpulse.classify.registry import make_model
    from crowdpulse.label.balance import undersample

    loaded = _load(data, text_col, label_col, id_col, positive, exclude, group_col)
    params = _model_params(model_name, no_emoji, glove, epochs, seed, quiet)
    model = make_model(model_name, **params)
    model_params = model.get_params()
    if "probability" in model_params and model_params.get("classifier") == "svm":
        model.set_params(probability=True)
    texts, labels, groups = loaded.texts, loaded.labels, loaded.groups
    if balance == "undersample":
        keep = undersample(labels, seed=seed)
        texts = [texts[i] for i in keep]
        labels = [labels[i] for i in keep]
        groups = None if groups is None else [groups[i] for i in keep]
    elif balance == "class-weight" and "class_weight" in model_params:
        model.set_params(class_weight="balanced")
    import inspect
    import time

    fit_params = {}
    if groups is not None and "groups" in inspect.signature(model.fit).parameters:
        fit_params["groups"] = groups
    start = time.perf_counter()
    model.fit(texts, labels, **fit_params)
    seconds = time.perf_counter() - start
    save_model(model, output)
    counts = Counter(labels)
    threshold = getattr(model, "threshold_", None)
    peak = _peak_memory_mb()
    if as_json:
        emit_json(
            {
                "model": model_name,
                "output": output,
                "n_posts": len(labels),
                "class_counts": dict(counts),
                "train_seconds": round(seconds, 2),
                "peak_memory_mb": peak,
                "threshold": threshold,
            }
        )
        return
    click.echo(
        f"trained {model_name} on {len(labels)} posts ("
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f") in {seconds:.1f} s, peak memory {peak} MB"
        + ("" if threshold is None else f", threshold {threshold:.3f}")
        + f"; wrote {output}"
    )


@command.command("models")
@json_option
@handle_errors
def models_command(as_json: bool) -> None:
    """List the model keys: what each is, what it needs, what it costs, which to use.

    The recommended model is the winner of the leave-one-event-out comparison on
    CrisisLexT26 (docs/solidarity.md). Costs were measured by training on all of
    CrisisLexT26 (24,514 posts) on a shared 2-core machine.

    \b
    Example:
      crowdpulse classify models --json
    """
    from crowdpulse.classify.registry import MODEL_COSTS, MODEL_INFO, MODELS, RECOMMENDED

    rows: list[dict[str, Any]] = []
    for key in MODELS:
        info = MODEL_INFO.get(key, {})
        rows.append(
            {
                "key": key,
                "description": MODELS.description(key),
                "extra": info.get("extra"),
                "cost": MODEL_COSTS.get(key),
                "recommended": key == RECOMMENDED,
            }
        )
    if as_json:
        emit_json({"recommended": RECOMMENDED, "models": rows})
        return
    for row in rows:
        mark = "*" if row["recommended"] else " "
        cost = row["cost"] or {}
        spent = (
            f" [train {cost['train_seconds']:.0f} s, {cost['peak_memory_mb']} MB]"
            if cost.get("train_seconds") is not None
            else (f" [{cost['note']}]" if cost.get("note") else "")
        )
        need = f" (extra {row['extra']})" if row["extra"] else ""
        click.echo(f"{mark} {row['key']:<18} {row['description']}{need}{spent}")
    click.echo(f"* recommended: {RECOMMENDED}")


@command.command("predict")
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False))
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Predictions to write: .parquet or .csv (id, label, probability).",
)
@click.option("--text-col", help="Text column (default: text_for_training, else text).")
@click.option("--id-col", help="Id column (default: id, else the row number).")
@click.option("--batch-size", default=8192, show_default=True, type=int, help="Posts per batch.")
@quiet_option
@json_option
@handle_errors
def predict(
    model_path: str,
    data: str,
    output: str,
    text_col: str | None,
    id_col: str | None,
    batch_size: int,
    quiet: bool,
    as_json: bool,
) -> None:
    """Label every post of DATA with a saved model: id, label and the label's probability.

    A Parquet corpus is read batch by batch (bounded memory); labels and probabilities
    come from one pass (stacked models label with their saved threshold). An empty
    corpus writes an empty predictions file.

    \b
    Example:
      crowdpulse classify predict svm.skops corpus.parquet -o predictions.parquet
      crowdpulse classify predict lstm.pt tweets.csv --text-col "Tweet Text" \\
          --id-col "Tweet ID" -o out.csv
    """
    from crowdpulse.classify.persist import load_model
    from crowdpulse.classify.predict import predict_file

    model = load_model(model_path)
    stats = predict_file(
        model,
        data,
        output,
        text_col=text_col,
        id_col=id_col,
        batch_size=batch_size,
        quiet=quiet,
    )
    if as_json:
        emit_json({"output": output, **stats})
        return
    counts = stats["labels"]
    speed = stats["posts_per_second"]
    click.echo(
        f"predicted {stats['n_posts']} posts ("
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + (f"; {speed:.0f} posts/s" if speed else "")
        + f"); wrote {output}"
    )
