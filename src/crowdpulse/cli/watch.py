"""``crowdpulse watch``: live firestorm alerts from a stream of posts (JSON lines)."""

from __future__ import annotations

import json
import sys

import click

from crowdpulse.cli._common import handle_errors, quiet_option

__all__ = ["command"]


@click.command("watch")
@click.argument("source", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--target", help="The account (@name) or hashtag (#tag) to watch [default: the event's]."
)
@click.option(
    "--event",
    "event_path",
    type=click.Path(dir_okay=False),
    help="Event TOML whose [firestorm] gives the target and bucket settings.",
)
@click.option(
    "--bucket-minutes",
    type=click.IntRange(min=1),
    help="Bucket length in minutes [default: 30 or the event's].",
)
@click.option(
    "--window-buckets",
    type=click.IntRange(min=1),
    help="Buckets per network window [default: 24 or the event's].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["v1", "v2", "twarc2-flat"]),
    help="Input format [default: told from the first records].",
)
@click.option(
    "--follow", "-f", is_flag=True, help="Keep reading the file as it grows, like tail -f."
)
@click.option(
    "--poll-seconds",
    type=click.FloatRange(min=0.0),
    default=1.0,
    show_default=True,
    help="Pause between checks for new lines with --follow.",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0.0),
    help="With --follow: stop after this many seconds without new lines.",
)
@click.option("--origin", help="Start of bucket 0, ISO 8601 [default: first post floored].")
@click.option(
    "--lexicon",
    default="open",
    show_default=True,
    help="Lexicon key or LIWC .dic path for the lexical series.",
)
@click.option(
    "--keep-retweets",
    is_flag=True,
    help="Keep retweets (left out by default, as crowdpulse ingest does).",
)
@click.option(
    "--no-dedupe",
    is_flag=True,
    help="Keep repeated ids and texts (memory then no longer grows with the stream).",
)
@quiet_option
@handle_errors
def command(
    source: str,
    target: str | None,
    event_path: str | None,
    bucket_minutes: int | None,
    window_buckets: int | None,
    fmt: str | None,
    follow: bool,
    poll_seconds: float,
    idle_timeout: float | None,
    origin: str | None,
    lexicon: str,
    keep_retweets: bool,
    no_dedupe: bool,
    quiet: bool,
) -> None:
    """Watch posts arrive (JSON lines) and print firestorm alerts as JSON lines.

    Reads API v1.1 tweets, API v2 response pages or twarc2 flat tweets from
    SOURCE (a file, or - for standard input), one JSON object a line. Posts go
    into time buckets by created_at; a bucket closes when a post of a later
    bucket arrives (and the last one at the end of the input). For every closed
    bucket the lexical series, post counts and mention-network metrics of the
    current window are updated and fed to the streaming detector (the last 49
    values of each series, PELT with the elbow penalty over 2..10). Each alert
    is printed on standard output as it is raised: time (start of the change
    point's bucket), series, direction, magnitude, detected_at. Only the current
    bucket and the network window are kept in memory. Posts arriving after
    their bucket closed are counted as late and left out.

    The alerts equal those of crowdpulse firestorm on the same posts ingested
    into a corpus (same filters, same first bucket).

    \b
    Example:
      crowdpulse watch posts.jsonl --target @flyzephyr
      tail -f live.jsonl | crowdpulse watch - --target @klm > alerts.jsonl
      crowdpulse watch live.jsonl --event event.toml --follow --idle-timeout 600
    """
    from crowdpulse.event import load_event
    from crowdpulse.exceptions import ConfigError
    from crowdpulse.firestorm.pipeline import FirestormOptions, alert_record
    from crowdpulse.firestorm.stream import StreamStats, watch
    from crowdpulse.io.ingest import IngestOptions

    overrides: dict[str, int] = {}
    if bucket_minutes is not None:
        overrides["bucket_minutes"] = bucket_minutes
    if window_buckets is not None:
        overrides["window_buckets"] = window_buckets
    options = FirestormOptions(offline=False, **overrides)  # type: ignore[arg-type]
    if event_path is not None:
        event = load_event(event_path)
        options = FirestormOptions.from_event(event, offline=False, **overrides)
        if target is None and event.firestorm is not None:
            target = event.firestorm.target
    if target is None:
        raise ConfigError("give --target (or an --event with a [firestorm] target)", field="target")
    stats = StreamStats()
    alerts = watch(
        source,
        target,
        options=options,
        fmt=fmt,  # type: ignore[arg-type]
        follow=follow,
        poll_seconds=poll_seconds,
        idle_timeout=idle_timeout,
        origin=origin,
        lexicon=lexicon,
        ingest_options=IngestOptions(keep_retweets=keep_retweets, dedupe=not no_dedupe),
        stats=stats,
    )
    interrupted = False
    try:
        for alert in alerts:
            click.echo(json.dumps(alert_record(alert, options.bucket_minutes)))
    except KeyboardInterrupt:
        interrupted = True
    if not quiet:
        s = stats
        click.echo(
            f"crowdpulse watch: {s.lines:,} lines, {s.posts:,} posts, "
            f"{sum(s.filtered.values()):,} filtered, {s.rejected:,} rejected, "
            f"{s.late:,} late, {s.buckets:,} buckets, {s.alerts:,} alerts",
            err=True,
        )
    if interrupted:
        sys.exit(130)
