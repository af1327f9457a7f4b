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
    if name in ("lstm", "sentence-embed"):
        params["quiet"] = quiet
    if name == "lstm":
        if glove is not None:
            params["glove"] = glove
        if epochs is not None:
            params["epochs"] = epochs
    params["random_state"] = seed
    return params


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

    Models: svm-bigram, svm-tfidf, svm-tfidf-bigram, logreg, lstm (needs crowdpulse[deep]),
    sentence-embed (needs crowdpulse[embed]). DATA is a labelled corpus (Parquet, from
    crowdpulse label) or a CSV with --text-col and --label-col.

    \b
    Example:
      crowdpulse classify evaluate labelled.parquet --model svm-tfidf --model lstm --folds 10 --json
      crowdpulse classify train labelled.parquet --model logreg -o model.skops
      crowdpulse classify predict model.skops corpus.parquet -o predictions.parquet
    """


@command.command("evaluate")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Model key (repeatable; default: the three SVMs and logreg).",
)
@click.option("--folds", default=10, show_default=True, type=int, help="Stratified folds.")
@click.option("--group-col", help="Leave one group out instead of k-fold (e.g. an event column).")
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
    "per_class", "folds", ...}}} (means over folds, their sd, and every fold).

    \b
    Example:
      crowdpulse classify evaluate labelled.parquet --model svm-bigram --model svm-tfidf --json
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
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
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
    text_col: str | None,
    label_col: str | None,
    id_col: str | None,
    positive: tuple[str, ...],
    exclude: tuple[str, ...],
    quiet: bool,
    as_json: bool,
) -> None:
    """Fit one model on all labelled posts and save it (skops; the LSTM as a torch file).

    SVMs are fitted with a Platt calibration so that predict can give probabilities.

    \b
    Example:
      crowdpulse classify train labelled.parquet --model svm-tfidf -o svm.skops
      crowdpulse classify train labelled.parquet --model lstm --epochs 20 -o lstm.pt
    """
    from crowdpulse.classify.persist import save_model
    from crowdpulse.classify.registry import make_model
    from crowdpulse.label.balance import undersample

    loaded = _load(data, text_col, label_col, id_col, positive, exclude)
    params = _model_params(model_name, no_emoji, glove, epochs, seed, quiet)
    model = make_model(model_name, **params)
    model_params = model.get_params()
    if "probability" in model_params and model_params.get("classifier") == "svm":
        model.set_params(probability=True)
    texts, labels = loaded.texts, loaded.labels
    if balance == "undersample":
        keep = undersample(labels, seed=seed)
        texts = [texts[i] for i in keep]
        labels = [labels[i] for i in keep]
    elif balance == "class-weight" and "class_weight" in model_params:
        model.set_params(class_weight="balanced")
    model.fit(texts, labels)
    save_model(model, output)
    counts = Counter(labels)
    if as_json:
        emit_json(
            {
                "model": model_name,
                "output": output,
                "n_posts": len(labels),
                "class_counts": dict(counts),
            }
        )
        return
    click.echo(
        f"trained {model_name} on {len(labels)} posts ("
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"); wrote {output}"
    )


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
@quiet_option
@json_option
@handle_errors
def predict(
    model_path: str,
    data: str,
    output: str,
    text_col: str | None,
    id_col: str | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Label every post of DATA with a saved model: id, label and the label's probability.

    \b
    Example:
      crowdpulse classify predict svm.skops corpus.parquet -o predictions.parquet
      crowdpulse classify predict lstm.pt tweets.csv --text-col "Tweet Text" \\
          --id-col "Tweet ID" -o out.csv
    """
    from crowdpulse.classify.data import read_training_data
    from crowdpulse.classify.persist import load_model
    from crowdpulse.classify.predict import predict_table

    model = load_model(model_path)
    loaded = read_training_data(data, text_col=text_col, id_col=id_col, require_labels=False)
    table = predict_table(model, loaded.ids, loaded.texts)
    if output.lower().endswith(".csv"):
        import pyarrow.csv as pc

        pc.write_csv(table, output)
    else:
        from crowdpulse.io.corpus import write_table

        write_table(table, output)
    counts = Counter(table.column("label").to_pylist())
    if as_json:
        emit_json({"output": output, "n_posts": table.num_rows, "labels": dict(counts)})
        return
    click.echo(
        f"predicted {table.num_rows} posts ("
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"); wrote {output}"
    )
