"""``crowdpulse geocode``: free-text locations to country and US state, offline."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option

__all__ = ["command"]


@click.command(name="geocode")
@click.argument("texts", nargs=-1)
@click.option(
    "--geocoder",
    default="offline",
    show_default=True,
    help="'offline' (shipped gazetteers) or 'geopy' (online, cached, 1 request/s; "
    "needs the geopy extra).",
)
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="SQLite cache file of the geopy geocoder (default: ~/.cache/crowdpulse/).",
)
@quiet_option
@json_option
@handle_errors
def command(
    texts: tuple[str, ...], geocoder: str, cache_path: str | None, quiet: bool, as_json: bool
) -> None:
    """Geocode free-text locations: the country (ISO alpha-2) and US state of each.

    Geocodes each TEXT given, or else (or for a TEXT of -) one text per line of
    standard input. Prints one
    line per input: tab-separated input, country, US state, confidence and reason, or
    with --json one JSON object with the keys input, country, us_state, confidence,
    reason. Non-places ("worldwide", "she/her"), ambiguous names ("Cambridge") and
    lists of places in several countries get no country.

    \b
    Example:
      crowdpulse geocode "Miami FL" "London, UK" "worldwide"
      cut -f3 users.tsv | crowdpulse geocode --json > places.jsonl
      cut -f3 users.tsv | crowdpulse geocode - "Paris, France"
    """
    from crowdpulse.geo.backends import get_geocoder

    options = {"cache_path": cache_path} if (geocoder == "geopy" and cache_path) else {}
    coder = get_geocoder(geocoder, **options)

    def lines() -> Iterator[str]:
        for text in texts or ("-",):
            if text == "-":  # standard input, one text a line, as Unix tools read "-"
                yield from (line.rstrip("\r\n") for line in sys.stdin)
            else:
                yield text

    for text in lines():
        result = coder.geocode(text)
        if as_json:
            emit_json(
                {
                    "input": text,
                    "country": result.country,
                    "us_state": result.us_state,
                    "confidence": round(result.confidence, 4),
                    "reason": result.reason,
                }
            )
        else:
            click.echo(
                "\t".join(
                    [
                        text,
                        result.country or "",
                        result.us_state or "",
                        f"{result.confidence:.2f}",
                        result.reason,
                    ]
                )
            )
