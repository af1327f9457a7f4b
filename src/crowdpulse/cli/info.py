"""``crowdpulse info``: what a corpus holds."""

from __future__ import annotations

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option

__all__ = ["command"]


@click.command("info")
@click.argument("corpus", type=click.Path(dir_okay=False))
@click.option(
    "--top",
    default=10,
    show_default=True,
    help="How many hashtags, mentions and languages to list.",
)
@json_option
@handle_errors
def command(corpus: str, top: int, as_json: bool) -> None:
    """Summarise a corpus: posts, time span, languages, top hashtags and mentions, posts per day.

    \b
    Example:
      crowdpulse info corpus.parquet
      crowdpulse info corpus.parquet --json | jq .posts_per_day
    """
    from rich.console import Console
    from rich.table import Table

    from crowdpulse.corpus_info import describe
    from crowdpulse.io.corpus import read_corpus

    summary = describe(read_corpus(corpus), top=top)
    if as_json:
        emit_json(summary)
        return
    console = Console()
    console.print(
        f"[bold]{corpus}[/bold]: {summary['posts']:,} posts by {summary['authors']:,} accounts"
    )
    console.print(f"from {summary['first']} to {summary['last']}")
    counts = "  ".join(f"{key} {summary[key]:,}" for key in ("retweets", "replies", "quotes"))
    if summary["without_time"]:
        counts += f"  without time {summary['without_time']:,}"
    console.print(counts)
    for key in ("languages", "hashtags", "mentions"):
        table = Table(title=key, show_header=False, box=None)
        for value, count in summary[key]:
            table.add_row(str(value), f"{count:,}")
        console.print(table)
    per_day = Table(title="posts per day", show_header=False, box=None)
    for day, count in summary["posts_per_day"]:
        per_day.add_row(day, f"{count:,}")
    console.print(per_day)
