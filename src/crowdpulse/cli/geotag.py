"""``crowdpulse geotag``: add country, US state, confidence and source to a corpus."""

from __future__ import annotations

import time
from typing import Any

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option
from crowdpulse.cli._engine import engine_for, engine_options

__all__ = ["command"]


@click.command(name="geotag")
@click.argument("corpus", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="The Parquet file to write (may be CORPUS itself).",
)
@click.option(
    "--geocoder",
    default="offline",
    show_default=True,
    help="For profile locations: 'offline' (shipped gazetteers) or 'geopy' (online, "
    "cached, 1 request/s; needs the geopy extra).",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Leave out answers below this confidence.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=65_536,
    show_default=True,
    help="Posts per batch and per output row group (bounds memory).",
)
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="SQLite cache file of the geopy geocoder (default: ~/.cache/crowdpulse/).",
)
@engine_options
@quiet_option
@json_option
@handle_errors
def command(
    corpus: str,
    output: str,
    geocoder: str,
    min_confidence: float,
    batch_size: int,
    cache_path: str | None,
    workers: int,
    scheduler: str | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Geotag a corpus: country, us_state, geo_confidence and geo_source for each post.

    Reads CORPUS (a Parquet corpus) in batches and writes every column plus the four
    geotag columns, taking the country from, in order of trust, the post's coordinates,
    the platform's place tag, and the author's profile location (each distinct
    location geocoded once). Prints how many posts got a country, by source.

    \b
    Example:
      crowdpulse geotag corpus.parquet -o geotagged.parquet
      crowdpulse geotag corpus.parquet -o corpus.parquet --min-confidence 0.5 --json
      crowdpulse geotag corpus.parquet -o geotagged.parquet --workers 2
    """
    from crowdpulse.geo.geotag import geotag_file

    options: dict[str, Any] = (
        {"cache_path": cache_path} if (geocoder == "geopy" and cache_path) else {}
    )
    started = time.perf_counter()
    with engine_for(workers, scheduler) as engine:
        summary = geotag_file(
            corpus,
            output,
            geocoder=geocoder,
            min_confidence=min_confidence,
            batch_size=batch_size,
            quiet=quiet,
            engine=engine,
            **options,
        )
    summary["seconds"] = round(time.perf_counter() - started, 3)
    if as_json:
        emit_json(summary)
    elif not quiet:
        posts = int(summary["posts"])  # type: ignore[call-overload]
        tagged = int(summary["tagged"])  # type: ignore[call-overload]
        by_source = summary["by_source"]
        assert isinstance(by_source, dict)
        share = f" ({tagged / posts:.1%})" if posts else ""
        click.echo(
            f"geotag: {tagged:,} of {posts:,} posts got a country{share}: "
            + ", ".join(f"{n:,} from {name}" for name, n in by_source.items())
            + f"; {summary['unique_locations']:,} distinct locations -> {summary['output']} "
            f"in {summary['seconds']:.1f} s",
            err=True,
        )
