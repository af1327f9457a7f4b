"""``crowdpulse watch``: live firestorm alerts from a stream of posts (JSON lines, any platform)."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from dataclasses import replace

import click

from crowdpulse.cli._common import handle_errors, quiet_option
from crowdpulse.cli.firestorm import monitor_options, tune_monitor

__all__ = ["command"]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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
    help="Input format, one record a line: bluesky-jetstream, bluesky-appview, mastodon, "
    "reddit, v1, v2, twarc2-flat, or a plug-in's [default: told from the first records].",
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
@click.option(
    "--preset",
    type=click.Choice(["early-warning", "paper"]),
    help="early-warning: episode alerts (open/escalate/close) per target; "
    "paper: the published per-series change points (49-value windows, elbow over 2..10) "
    "[default: the event's preset, else early-warning].",
)
@click.option(
    "--history",
    "history_path",
    type=click.Path(dir_okay=False, exists=True),
    help="Earlier posts (any format crowdpulse reads) that prime the baselines.",
)
@monitor_options
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    help="Checkpoint file: resume from it when it exists; written atomically every "
    "--checkpoint-buckets buckets, before every alert and at the end.",
)
@click.option(
    "--checkpoint-buckets",
    type=click.IntRange(min=1),
    default=48,
    show_default=True,
    help="Buckets between checkpoints of --state.",
)
@click.option(
    "--quarantine",
    "quarantine_path",
    type=click.Path(dir_okay=False),
    help="JSON-lines file for rejected lines (line number, reason, excerpt).",
)
@click.option(
    "--dedupe-hours",
    type=click.FloatRange(min=0.0, min_open=True),
    default=24.0,
    show_default=True,
    help="Remember post ids and texts this many hours of post time (bounded memory).",
)
@click.option(
    "--pseudonymize-salt-env",
    metavar="NAME",
    help="Pseudonymise every account as posts arrive (alerts, quarantine, state), with "
    "the salt in this environment variable; the target too [default: the event's "
    "[privacy] salt_env].",
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
    preset: str | None,
    history_path: str | None,
    ratio: float | None,
    min_posts: float | None,
    state_path: str | None,
    checkpoint_buckets: int,
    quarantine_path: str | None,
    dedupe_hours: float,
    pseudonymize_salt_env: str | None,
    quiet: bool,
) -> None:
    """Watch posts arrive (JSON lines) and print early-warning alerts as JSON lines.

    Reads posts from SOURCE (a file, or - for standard input), one JSON object a
    line, in any format crowdpulse ingest reads line by line: Bluesky Jetstream
    events or AppView post views, Mastodon statuses, Reddit comments and
    submissions, API v1.1 tweets, API v2 response pages or twarc2 flat tweets
    (the target takes the platform's handle form: @alice.bsky.social,
    @alice@mastodon.social, @alice for Reddit and Twitter). Posts go
    into time buckets by created_at; a bucket closes when a post of a later
    bucket arrives (and the last one at the end of the input). For every closed
    bucket the target's posts, its in-degree and the stream's posts go to the
    early-warning monitor (robust running baseline; an episode opens on an
    upward change point at least --ratio times the baseline and --min-posts
    posts a bucket, escalates at most once per doubling, closes when back near
    the baseline), and every series to the per-series streaming detector.
    Each alert is printed on standard output as it is raised: kind (open,
    escalate, close), target, time (the change point), detected_at, level,
    baseline, series. --preset paper prints the per-series change points of
    the published setting instead. Only the current bucket, the network window
    and fixed-size state are kept in memory. Posts arriving after their bucket
    closed are counted as late and left out; lines that cannot be read are
    counted (and written to --quarantine), never fatal.

    With --state the watcher survives restarts: killed and started again with
    the same --state (on the same file, or the same stream replayed on stdin),
    it continues where its last checkpoint stopped, so the alerts of both runs
    together equal an uninterrupted run's.

    The alerts equal those of crowdpulse firestorm on the same posts ingested
    into a corpus (same filters, same first bucket, --dedupe-hours longer than
    the stream).

    \b
    Example:
      crowdpulse watch posts.jsonl --target @flyzephyr
      tail -f live.jsonl | crowdpulse watch - --target @klm > alerts.jsonl
      crowdpulse watch live.jsonl --event event.toml --follow --idle-timeout 600
      crowdpulse watch live.jsonl --target @klm -f --state watch.state \\
          --quarantine rejected.jsonl --history yesterday.jsonl
      crowdpulse watch posts.jsonl --target @klm --preset paper
      crowdpulse watch jetstream.jsonl --target @alice.bsky.social
      CP_SALT=... crowdpulse watch live.jsonl --event event.toml --pseudonymize-salt-env CP_SALT
    """
    from crowdpulse.event import load_event
    from crowdpulse.exceptions import ConfigError
    from crowdpulse.firestorm.pipeline import FirestormOptions, alert_record
    from crowdpulse.firestorm.stream import StreamStats, watch
    from crowdpulse.io.ingest import IngestOptions

    overrides: dict[str, object] = {"preset": preset} if preset else {}
    if bucket_minutes is not None:
        overrides["bucket_minutes"] = bucket_minutes
    if window_buckets is not None:
        overrides["window_buckets"] = window_buckets
    options = FirestormOptions(offline=False, **overrides)  # type: ignore[arg-type]
    event = None
    if event_path is not None:
        event = load_event(event_path)
        options = FirestormOptions.from_event(event, offline=False, **overrides)
        if target is None and event.firestorm is not None:
            target = event.firestorm.target
    options = tune_monitor(options, ratio, min_posts)
    # [privacy]: posts are pseudonymised as they arrive, so the target is its pseudonym
    # and alerts, quarantine and state name no account (as `firestorm --event`).
    privacy = event.privacy if event is not None else None
    salt_env = pseudonymize_salt_env or (privacy.salt_env if privacy else None)
    salt = (os.environ.get(salt_env) or None) if salt_env else None
    if salt_env and salt is None:
        raise ConfigError(
            f"the environment variable {salt_env} (the salt) is not set",
            field="--pseudonymize-salt-env" if pseudonymize_salt_env else "privacy.salt_env",
        )
    private = IngestOptions(
        pseudonymize_salt=salt,
        quarantine_excerpts=privacy.quarantine_excerpts if privacy else "redact",
    )
    history = None
    if history_path is not None:
        from crowdpulse.io import read_posts

        history, _ = read_posts([history_path], private if salt else None)
    if target is None:
        raise ConfigError("give --target (or an --event with a [firestorm] target)", field="target")
    if salt is not None:
        from crowdpulse.io.pseudonym import pseudonymize_target

        target = pseudonymize_target(target, salt) or target
    stats = StreamStats()
    alerts = watch(
        source,
        target,
        options=options,
        fmt=fmt,
        follow=follow,
        poll_seconds=poll_seconds,
        idle_timeout=idle_timeout,
        origin=origin,
        lexicon=lexicon,
        ingest_options=replace(private, keep_retweets=keep_retweets, dedupe=not no_dedupe),
        stats=stats,
        episodes=options.preset != "paper",
        history=history,
        dedupe_hours=dedupe_hours,
        state=state_path,
        checkpoint_buckets=checkpoint_buckets,
        quarantine=quarantine_path,
    )
    interrupted = False
    printed = 0
    previous = None
    if state_path is not None and threading.current_thread() is threading.main_thread():
        # A service manager stops with SIGTERM: end like Ctrl-C, with a last checkpoint.
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        for alert in alerts:
            if options.preset == "paper":
                record = alert_record(alert, options.bucket_minutes)
            else:
                record = alert.to_record()
            click.echo(json.dumps(record))
            sys.stdout.flush()  # a checkpoint counts it as given out: let it leave now
            printed += 1
    except KeyboardInterrupt:
        interrupted = True
    finally:
        alerts.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if not quiet:
        s = stats
        where = f" (see {quarantine_path})" if quarantine_path and s.rejected else ""
        click.echo(
            f"crowdpulse watch: {s.lines:,} lines, {s.posts:,} posts, "
            f"{sum(s.filtered.values()):,} filtered, {s.rejected:,} rejected{where}, "
            f"{s.late:,} late, {s.buckets:,} buckets, {printed:,} alerts",
            err=True,
        )
    if interrupted:
        sys.exit(130)
