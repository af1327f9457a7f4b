"""``crowdpulse synth``: write a seeded synthetic corpus with its exact ground truth."""

from __future__ import annotations

from pathlib import Path

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option

__all__ = ["command"]


@click.command("synth")
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of every random choice.",
)
@click.option(
    "--posts",
    type=click.IntRange(min=200),
    default=20_000,
    show_default=True,
    help="Post records to write (retweets included, noise excluded).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["v1", "v2", "csv"]),
    default="v1",
    show_default=True,
    help="v1: API v1.1 lines; v2: twarc2 response pages; csv: twarc-csv table.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Corpus file (.gz, .bz2, .zst compress it); - writes standard output.",
)
@click.option(
    "--truth",
    "truth_path",
    type=click.Path(dir_okay=False),
    help="Write the ground truth (JSON) here.",
)
@click.option(
    "--truth-posts",
    "truth_posts_path",
    type=click.Path(dir_okay=False),
    help="Write the per-post truth (Parquet) here.",
)
@click.option(
    "--event",
    "event_path",
    type=click.Path(dir_okay=False),
    help="Write the event TOML here (its label sheet is copied beside it).",
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=15,
    show_default=True,
    help="Days the corpus spans.",
)
@click.option(
    "--sheet",
    type=click.Path(exists=True, dir_okay=False),
    help="Draw label hashtags from this annotation sheet (default: the one shipped).",
)
@click.option(
    "--firestorm-target",
    default="@flyzephyr",
    show_default=True,
    help="The account the firestorm crowd turns on.",
)
@click.option("--users", type=click.IntRange(min=20), help="Regular users [default: posts / 5].")
@click.option(
    "--noise", is_flag=True, help="Plant malformed lines and records (counted in the truth)."
)
@click.option(
    "--chunk-posts",
    type=click.IntRange(min=1000),
    default=250_000,  # SynthConfig.chunk_posts (not imported here: it would load numpy)
    show_default=True,
    help="Draw and write at most about this many posts at once: a larger corpus streams "
    "in chunks, so memory follows the chunk size and --users, not --posts (a corpus of at "
    "most this many posts is the same whatever the value).",
)
@json_option
@quiet_option
@handle_errors
def command(
    seed: int,
    posts: int,
    fmt: str,
    output: str,
    truth_path: str | None,
    truth_posts_path: str | None,
    event_path: str | None,
    days: int,
    sheet: str | None,
    firestorm_target: str,
    users: int | None,
    noise: bool,
    chunk_posts: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Write a realistic synthetic corpus, exactly reproducible from its seed.

    The corpus holds everyday chatter with a day/night rhythm, a crisis with
    solidarity and news posts labelled by hashtags (from the shipped sheet or
    --sheet), users with messy profile locations in many countries, and a
    firestorm against --firestorm-target after a quiet week. The truth file
    holds the counts a correct pipeline must find: posts kept and filtered by
    crowdpulse's default ingest filters, solidarity classes and emoji tables,
    the firestorm's start and peak. Nothing is read from the network.

    A corpus of more than --chunk-posts posts is generated, written and
    counted chunk by chunk (each chunk spans the whole event; the file is in
    time order within each chunk), with a progress bar per chunk on stderr.

    \b
    Example:
      crowdpulse synth --seed 1 --posts 20000 --format v1 -o posts.jsonl.gz \\
        --truth truth.json --event event.toml
      crowdpulse synth --seed 2 --posts 5000 --format v2 --noise -o pages.jsonl --truth t.json
      crowdpulse synth --seed 7 --posts 4000000 -o big/posts.jsonl.zst --event big/event.toml
    """
    from crowdpulse.synth import SynthConfig, synthesize

    config = SynthConfig(
        seed=seed,
        posts=posts,
        days=days,
        users=users,
        firestorm_target=firestorm_target,
        sheet=Path(sheet) if sheet else None,
        noise=noise,
        chunk_posts=chunk_posts,
    )
    to_stdout = output == "-"
    truth = synthesize(
        config,
        output,
        fmt=fmt,  # type: ignore[arg-type]
        truth_path=truth_path,
        event_path=event_path,
        truth_posts_path=truth_posts_path,
        quiet=quiet or to_stdout,
    )
    summary = {
        "output": output,
        "format": fmt,
        "seed": seed,
        "posts": truth["totals"]["posts"],
        "lines": truth["totals"]["lines"],
        "bytes": truth["totals"]["bytes"],
        "kept": truth["ingest"]["kept"],
        "filtered": truth["ingest"]["filtered"],
        "quarantined": truth["ingest"]["quarantined"],
        "truth": truth_path,
        "event": event_path,
    }
    if as_json and not to_stdout:
        emit_json(summary)
    elif not quiet:
        fs = truth["firestorm"]
        click.echo(
            f"wrote {summary['posts']} posts ({fmt}) to {output}: {summary['kept']} kept by the "
            f"default filters, {summary['quarantined']} malformed"
            + (f"; firestorm on {fs['target']} from {fs['start']}" if fs else ""),
            err=True,
        )
