"""``crowdpulse features``: add tokens, emojis, emoji sentiment and lexicon categories."""

from __future__ import annotations

import time

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option
from crowdpulse.cli._engine import engine_for, engine_options

__all__ = ["command"]


@click.command(name="features")
@click.argument("corpus", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="The Parquet file to write (may be CORPUS itself).",
)
@click.option(
    "--lexicon",
    default="open",
    show_default=True,
    metavar="KEY|PATH.dic",
    help="Lexicon for the lex_ columns: 'open' (bundled), 'empath', another registered "
    "key, or the path of a LIWC .dic file (LIWC2007, LIWC2015 or LIWC-22).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes (0: one per core).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=65_536,
    show_default=True,
    help="Posts per batch and per output row group (bounds memory).",
)
@engine_options
@quiet_option
@json_option
@handle_errors
def command(
    corpus: str,
    output: str,
    lexicon: str,
    jobs: int,
    batch_size: int,
    workers: int,
    scheduler: str | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Add text features to a corpus: tokens, emojis, emoji sentiment, lexicon categories.

    Reads the text column of CORPUS (a Parquet corpus written by `crowdpulse ingest`)
    in row-group batches, on all cores, and writes every column of CORPUS plus
    tokens, emojis, emoji_sentiment, word_count and one lex_<category> column per
    lexicon category (the percentage of the post's words in it, as LIWC reports),
    with lex_emo = lex_posemo - lex_negemo.

    \b
    Example:
      crowdpulse features corpus.parquet -o features.parquet
      crowdpulse features corpus.parquet -o liwc.parquet --lexicon LIWC2015.dic --json
      crowdpulse features corpus.parquet -o features.parquet --workers 4
    """
    from crowdpulse.text.features import features_file

    started = time.perf_counter()
    with engine_for(workers, scheduler) as engine:
        summary = features_file(
            corpus,
            output,
            lexicon=lexicon,
            quiet=quiet,
            n_jobs=jobs or None,
            batch_size=batch_size,
            engine=engine,
        )
    summary["seconds"] = round(time.perf_counter() - started, 3)
    if as_json:
        emit_json(summary)
    elif not quiet:
        added = summary["columns_added"]
        count = len(added) if isinstance(added, list) else 0
        click.echo(
            f"features: {summary['posts']:,} posts, {count} columns added "
            f"(lexicon {summary['lexicon']}) -> {summary['output']} "
            f"in {summary['seconds']:.1f} s",
            err=True,
        )
