"""``crowdpulse firestorm``: find a firestorm in a corpus and evaluate the detector on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option
from crowdpulse.cli._engine import engine_for, engine_options

__all__ = ["command", "monitor_options", "tune_monitor"]

F = TypeVar("F", bound=Callable[..., Any])


def monitor_options(func: F) -> F:
    """Add ``--ratio`` and ``--min-posts`` (the early-warning monitor's main settings)."""
    func = click.option(
        "--min-posts",
        type=click.FloatRange(min=0.0),
        help="Open an episode only from this many target posts per bucket [default: 10].",
    )(func)
    return click.option(
        "--ratio",
        type=click.FloatRange(min=1.0, min_open=True),
        help="Open an episode at this many times the baseline [default: 3].",
    )(func)


def tune_monitor(options: Any, ratio: float | None, min_posts: float | None) -> Any:
    """Return the firestorm options with ``--ratio`` / ``--min-posts`` applied."""
    from dataclasses import replace

    tuned: dict[str, Any] = {}
    if ratio is not None:
        tuned["ratio"] = ratio
    if min_posts is not None:
        tuned["min_posts"] = min_posts
    return replace(options, monitor=replace(options.monitor, **tuned)) if tuned else options


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2f} h"


@click.command("firestorm")
@click.argument("corpus", type=click.Path(dir_okay=False))
@click.option(
    "--event",
    "event_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Event TOML; its [firestorm] gives the target and the bucket settings.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for series.csv, changepoints.csv, alerts.jsonl, evaluation.json and the figures.",
)
@click.option("--target", help="Override the event's target (@account or #hashtag).")
@click.option(
    "--lexicon",
    default="open",
    show_default=True,
    help="Lexicon (key or LIWC .dic path) when the corpus lacks lex_* columns.",
)
@click.option(
    "--count-transform",
    type=click.Choice(["anscombe", "none"]),
    default="anscombe",
    show_default=True,
    help="How count series reach the detector: variance-stabilised or raw.",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Target posts a bucket needs to be the ground-truth start.",
)
@click.option("--no-offline", is_flag=True, help="Skip offline PELT on the whole series.")
@click.option(
    "--preset",
    type=click.Choice(["early-warning", "paper"]),
    help="What alerts.jsonl holds: early-warning episodes (open/escalate/close) or, "
    "with paper, the published per-series change points (49-value windows, elbow 2..10) "
    "[default: the event's preset, else early-warning].",
)
@monitor_options
@click.option(
    "--no-history",
    is_flag=True,
    help="Do not prime the baselines with the corpus's posts before the event's start.",
)
@click.option("--no-figures", is_flag=True, help="Write no figures.")
@engine_options
@json_option
@quiet_option
@handle_errors
def command(
    corpus: str,
    event_path: str,
    out_dir: str,
    target: str | None,
    lexicon: str,
    count_transform: str,
    min_count: int,
    no_offline: bool,
    preset: str | None,
    ratio: float | None,
    min_posts: float | None,
    no_history: bool,
    no_figures: bool,
    workers: int,
    scheduler: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Detect a firestorm in a corpus, as a stream, and measure how well it was found.

    Splits the corpus into buckets (30 minutes by default), builds per bucket the
    lexical series (every category and emo, over all posts and over mention
    posts; lexicon features are computed when the corpus lacks them), the
    post counts and the sliding-window mention-network metrics; feeds them
    bucket by bucket to the streaming detector (PELT on the last 49 values,
    penalty by the elbow rule over 2..10) and, offline, runs PELT on each whole
    series. Measures the ground truth (start: first bucket where the target is
    the most frequent mention or hashtag; peaks: highest max in-degree, most
    target posts) and the offset of the closest change point to each, in hours.

    Early warning: the target's posts per bucket, its in-degree and the
    stream's posts also go to the episode monitor (robust running baseline,
    primed with the corpus's posts before the event's start; an episode opens
    on an upward change point at least --ratio times the baseline and
    --min-posts posts a bucket, escalates at most once per doubling, closes
    back near the baseline). alerts.jsonl holds these episode alerts (with
    --preset paper: the per-series change points, as published);
    changepoints.csv always holds the per-series change points.

    Writes series.csv, changepoints.csv, alerts.jsonl, evaluation.json,
    window_metrics.csv, periods.csv (the firestorm's posts against the week
    before), the paper's Figures 1 to 6, the alert timeline (PNG and SVG) and
    the peak window's networks (GEXF, GraphML) into the output folder.

    The corpus is never held whole: it is cut into one-day time chunks (in a
    temporary folder inside the output folder) and analysed chunk by chunk,
    with --workers N on a local Dask cluster (--scheduler: a running one; else
    the event's [cluster]). The files are the same with any number of workers
    and whatever the order of the corpus's rows.

    \b
    Example:
      crowdpulse synth --seed 1 -o posts.jsonl --truth truth.json --event event.toml
      crowdpulse ingest posts.jsonl -o corpus.parquet
      crowdpulse firestorm corpus.parquet --event event.toml -o firestorm/
      crowdpulse firestorm corpus.parquet --event event.toml -o out/ --json --quiet
      crowdpulse firestorm corpus.parquet --event event.toml -o paper/ --preset paper
      crowdpulse firestorm features.parquet --event event.toml -o out/ --workers 4
    """
    from crowdpulse.event import load_event
    from crowdpulse.firestorm.pipeline import FirestormOptions, analyse_corpus

    event = load_event(event_path)
    options = FirestormOptions.from_event(
        event,
        count_transform=count_transform,
        min_count=min_count,
        offline=not no_offline,
        **({"preset": preset} if preset else {}),
    )
    options = tune_monitor(options, ratio, min_posts)
    salt = event.pseudonymize_salt()  # [privacy]: the corpus holds pseudonyms
    if salt is not None:
        from crowdpulse.io.pseudonym import check_pseudonymized, pseudonymize_target

        # A corpus ingested without the salt would put raw accounts in every artefact.
        check_pseudonymized(corpus, salt, event.privacy.salt_env if event.privacy else None)
        given = target or (event.firestorm.target if event.firestorm else None)
        target = pseudonymize_target(given, salt)
    with engine_for(workers, scheduler, event_path) as engine:
        summary = analyse_corpus(
            corpus,
            event,
            out_dir,
            target=target,
            options=options,
            lexicon=lexicon,
            figures=not no_figures,
            quiet=quiet,
            use_history=not no_history,
            engine=engine,
        )
    if as_json:
        emit_json(summary)
        return
    lexical = summary["closest_offsets_hours"].get("lexical", {})
    click.echo(f"{summary['event']}: target {summary['target']}")
    click.echo(
        f"posts {summary['posts']:,} in {summary['buckets']:,} buckets, "
        f"{summary['target_posts']:,} target posts"
    )
    click.echo(f"start           {summary['start'] or '-'}")
    click.echo(f"peak in-degree  {summary['peak_in_degree'] or '-'}")
    click.echo(f"peak posts      {summary['peak_posts'] or '-'}")
    click.echo("closest lexical change point:")
    for name in ("start", "peak_in_degree", "peak_posts"):
        click.echo(f"  to {name:<15}{_hours(lexical.get(name))}")
    click.echo(f"first alert after the start: {_hours(summary['first_alert_delay_hours'])}")
    click.echo(f"found (target / max in-degree alert near the start): {summary['found']}")
    click.echo(f"per-series change points (stream) {summary['alerts']:,}")
    counts = summary["episode_alerts"]
    click.echo(
        f"early warning: {counts['open']} open, {counts['escalate']} escalate, "
        f"{counts['close']} close; first open {summary['first_open'] or '-'} "
        f"({_hours(summary['first_open_delay_hours'])} after the start)"
    )
    for name, path in summary["files"].items():
        click.echo(f"{name}: {path}")
