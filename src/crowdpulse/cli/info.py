"""``crowdpulse info``: what a corpus holds."""

from __future__ import annotations

import click

from crowdpulse.cli._common import console as pipe_console
from crowdpulse.cli._common import emit_json, handle_errors, json_option

__all__ = ["command"]


@click.command("info")
@click.argument("corpus", type=click.Path(dir_okay=False), required=False)
@click.option(
    "--top",
    default=10,
    show_default=True,
    help="How many hashtags, mentions and languages to list.",
)
@click.option(
    "--plugins",
    is_flag=True,
    help="Instead of a corpus, list every registry's keys (input formats, lexicons, costs, "
    "models, geocoders), third-party plug-ins included.",
)
@json_option
@handle_errors
def command(corpus: str | None, top: int, plugins: bool, as_json: bool) -> None:
    """Summarise a corpus: posts per platform, time span, languages, hashtags, posts per day.

    Also the top mentions, the retweet, reply and quote counts, and the input formats.

    \b
    Example:
      crowdpulse info corpus.parquet
      crowdpulse info corpus.parquet --json | jq .posts_per_day
      crowdpulse info corpus.parquet --json | jq .platforms
      crowdpulse info --plugins --json | jq '.["crowdpulse.lexicons"]'
    """
    from rich.table import Table

    from crowdpulse.corpus_info import describe_file

    if plugins:
        _plugins(as_json)
        return
    if corpus is None:
        raise click.UsageError("give a CORPUS to describe, or --plugins")
    summary = describe_file(corpus, top=top)  # batch by batch, without the texts
    if as_json:
        emit_json(summary)
        return
    console = pipe_console()
    console.print(
        f"[bold]{corpus}[/bold]: {summary['posts']:,} posts by {summary['authors']:,} accounts"
    )
    platforms = "  ".join(f"{name} {count:,}" for name, count in summary["platforms"])
    if platforms:
        console.print(f"platforms: {platforms}")
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


def _plugins(as_json: bool) -> None:
    """Print every registry: key, description, and the distribution of each plug-in."""
    from rich.table import Table
    from rich.text import Text

    from crowdpulse.registry import registries

    found = registries()
    if as_json:
        emit_json({group: [e.as_dict() for e in reg.describe()] for group, reg in found.items()})
        return
    console = pipe_console()
    for group, registry in found.items():
        table = Table(title=f"{registry.kind}s ({group})", show_header=False, box=None)
        for entry in registry.describe():
            loaded = entry.plugin and not entry.description.startswith("plug-in ")
            origin = f"  (plug-in from {entry.distribution})" if loaded else ""
            table.add_row(Text(entry.key), Text(entry.description + origin))
        console.print(table)
