"""``crowdpulse report``: every analysis of an event, cached by stage, in one HTML page."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option
from crowdpulse.cli._engine import engine_options

__all__ = ["command"]


def _command_line() -> str | None:
    """The command line as typed, when this process is the ``crowdpulse`` program."""
    if not sys.argv or Path(sys.argv[0]).name not in ("crowdpulse", "__main__.py"):
        return None
    return shlex.join(["crowdpulse", *sys.argv[1:]])


@click.command("report")
@click.argument("event_path", metavar="EVENT", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Report folder: report.html, report.json, provenance.json and stages/ (the cache).",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Model to cross-validate (repeatable) [default: svm-bigram, svm-tfidf, "
    "svm-tfidf-bigram, logreg].",
)
@click.option("--with-lstm", is_flag=True, help="Also cross-validate the RNN+LSTM (slow).")
@click.option(
    "--lstm-epochs", type=click.IntRange(min=1), default=20, show_default=True, help="LSTM epochs."
)
@click.option(
    "--folds", type=click.IntRange(min=2), default=10, show_default=True, help="CV folds."
)
@click.option(
    "--balance",
    type=click.Choice(["undersample", "class-weight", "none"]),
    default="undersample",
    show_default=True,
    help="Class balancing: the 2015 study undersampled, the 2018 study used class weights.",
)
@click.option("--no-emoji-ablation", is_flag=True, help="Skip the models without emoji features.")
@click.option(
    "--max-per-class",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    help="Cross-validate on at most N labelled posts of each class, drawn with --seed "
    "(bounds memory and time on very large events; 0: all of them).",
)
@click.option(
    "--term-k",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Terms each way in the term-weight figure.",
)
@click.option(
    "--label-exclude",
    multiple=True,
    help="With a label column: a value meaning no label, e.g. 'Not labeled' (repeatable).",
)
@click.option(
    "--lexicon",
    default="open",
    show_default=True,
    metavar="KEY|PATH.dic",
    help="Lexicon of the features stage: 'open', 'empath' or a LIWC .dic file.",
)
@click.option(
    "--no-retweets",
    is_flag=True,
    help="Drop retweets at ingest (kept by default for the networks; the solidarity "
    "analyses always use original posts).",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Leave out geotags below this confidence.",
)
@click.option(
    "--svg/--no-svg",
    default=True,
    show_default=True,
    help="Also write SVG figures beside PNGs (the firestorm's figures always have both).",
)
@click.option(
    "--truth",
    type=click.Path(exists=True, dir_okay=False),
    help="A `crowdpulse synth --truth` file: show the planted numbers beside ours.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random choice.")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True, help="Workers."
)
@click.option("--force", is_flag=True, help="Recompute every stage, even if cached.")
@click.option(
    "--pseudonymize-salt-env",
    metavar="NAME",
    help="Pseudonymise every account in every artefact, with the salt in this environment "
    "variable (never written anywhere) [default: the event's [privacy] salt_env].",
)
@engine_options
@json_option
@quiet_option
@handle_errors
def command(
    event_path: str,
    out_dir: str,
    models: tuple[str, ...],
    with_lstm: bool,
    lstm_epochs: int,
    folds: int,
    balance: str,
    no_emoji_ablation: bool,
    max_per_class: int | None,
    term_k: int,
    label_exclude: tuple[str, ...],
    lexicon: str,
    no_retweets: bool,
    min_confidence: float,
    svg: bool,
    truth: str | None,
    seed: int,
    jobs: int,
    force: bool,
    pseudonymize_salt_env: str | None,
    workers: int,
    scheduler: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Write one HTML page of an event: ingest, solidarity, emojis, geography, firestorm.

    Runs every stage on the event's inputs (EVENT is the TOML description), keeps each
    stage's files in OUTPUT/stages/<stage>/ and writes OUTPUT/report.html: one
    self-contained page with the tables, the figures, the papers' reported numbers
    beside ours and the provenance (versions, parameters, SHA-256 of every input, the
    ingest accounting). Stages are cached: a re-run recomputes only what changed.
    Stages the event does not allow (no [labels], no [firestorm]) are skipped and the
    page says why.

    \b
    Example:
      crowdpulse synth --seed 42 --posts 30000 -o posts.jsonl.gz --truth truth.json \\
          --event event.toml
      crowdpulse report event.toml -o report/ --folds 5 --truth truth.json
      crowdpulse report crisislex.toml -o crisislex/ --label-exclude "Not labeled" --json
      crowdpulse report event.toml -o report/ --workers 2
      crowdpulse report irma.toml -o irma/ --max-per-class 0   # train on every labelled post
      CROWDPULSE_SALT=... crowdpulse report event.toml -o shareable/ \\
          --pseudonymize-salt-env CROWDPULSE_SALT
    """
    from contextlib import ExitStack
    from dataclasses import replace

    from crowdpulse.engine import cluster_config, open_engine
    from crowdpulse.event import load_event
    from crowdpulse.report import DEFAULT_MODELS, ReportOptions, build_report

    event = load_event(event_path)
    if pseudonymize_salt_env:
        from crowdpulse.event import PrivacySettings

        mode = event.privacy.quarantine_excerpts if event.privacy else "redact"
        event = replace(event, privacy=PrivacySettings(pseudonymize_salt_env, mode))
    options = ReportOptions(
        keep_retweets=not no_retweets,
        lexicon=lexicon,
        label_exclude=tuple(label_exclude),
        models=tuple(models) or DEFAULT_MODELS,
        with_lstm=with_lstm,
        lstm_epochs=lstm_epochs,
        folds=folds,
        balance=balance,  # type: ignore[arg-type]
        emoji_ablation=not no_emoji_ablation,
        max_per_class=max_per_class or None,
        term_k=term_k,
        seed=seed,
        min_confidence=min_confidence,
        formats=("png", "svg") if svg else ("png",),
        jobs=jobs,
        workers=workers,
        scheduler=scheduler,
    )
    with ExitStack() as stack:
        cluster = None if (workers or scheduler) else cluster_config(event_path)
        if (workers and not scheduler) or cluster is not None:
            # one cluster (--workers N or the event's [cluster]) for every stage
            engine = stack.enter_context(open_engine(workers or None, None, cluster))
            options = replace(options, scheduler=getattr(engine, "address", None))
        result = build_report(
            event,
            out_dir,
            options=options,
            truth=truth,
            force=force,
            command=_command_line(),
            quiet=quiet,
        )
    if as_json:
        emit_json(result.to_dict())
        return
    if not quiet:
        for name, record in result.stages.items():
            note = f": {record.reason}" if record.reason else ""
            click.echo(f"  {name:<11}{record.status:<8}{record.seconds:7.1f} s{note}", err=True)
    counts = result.counts()
    click.echo(
        f"report: {result.page} ({len(result.names('run'))} stage(s) run, "
        f"{len(result.names('cached'))} cached, {counts.get('artefacts', 0)} artefacts)"
    )
    for name in result.names("failed"):
        click.echo(
            f"crowdpulse: warning: stage {name} failed: {result.stages[name].reason}", err=True
        )
