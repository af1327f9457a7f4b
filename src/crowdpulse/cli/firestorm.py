"""``crowdpulse firestorm``: find a firestorm in a corpus and evaluate the detector on it."""

from __future__ import annotations

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option

__all__ = ["command"]


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
@click.option("--no-figures", is_flag=True, help="Write no figures.")
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
    no_figures: bool,
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

    Writes series.csv, changepoints.csv, alerts.jsonl, evaluation.json and the
    paper's Figures 1, 3, 5 and 6 (PNG and SVG) into the output folder.

    \b
    Example:
      crowdpulse synth --seed 1 -o posts.jsonl --truth truth.json --event event.toml
      crowdpulse ingest posts.jsonl -o corpus.parquet
      crowdpulse firestorm corpus.parquet --event event.toml -o firestorm/
      crowdpulse firestorm corpus.parquet --event event.toml -o out/ --json --quiet
    """
    from crowdpulse.event import load_event
    from crowdpulse.firestorm.pipeline import FirestormOptions, analyse_corpus

    event = load_event(event_path)
    options = FirestormOptions.from_event(
        event,
        count_transform=count_transform,
        min_count=min_count,
        offline=not no_offline,
    )
    summary = analyse_corpus(
        corpus,
        event,
        out_dir,
        target=target,
        options=options,
        lexicon=lexicon,
        figures=not no_figures,
        quiet=quiet,
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
    click.echo(f"alerts {summary['alerts']:,}")
    for name, path in summary["files"].items():
        click.echo(f"{name}: {path}")
