"""``crowdpulse ingest``: raw archives in, one normalised corpus out."""

from __future__ import annotations

from pathlib import Path

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option
from crowdpulse.event import load_event, parse_time
from crowdpulse.exceptions import ConfigError
from crowdpulse.schema import FORMATS

__all__ = ["command"]


def _csv_map(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    mapping = {}
    for part in value.split(","):
        name, sep, column = part.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise ConfigError(f"expected FIELD=COLUMN, got {part!r}", field="--csv-map")
        mapping[name.strip()] = column.strip()
    return mapping


@click.command("ingest")
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Corpus file to write (Parquet).",
)
@click.option(
    "--quarantine",
    type=click.Path(dir_okay=False),
    help="Where to write rejected records (JSON lines) [default: OUTPUT stem + .quarantine.jsonl].",
)
@click.option(
    "--event",
    "event_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Take inputs, keywords, language and time range from an event TOML.",
)
@click.option(
    "--keep-retweets", is_flag=True, help="Keep retweets (dropped by default, as in the papers)."
)
@click.option("--lang", help="Keep only posts in this language, e.g. en.")
@click.option("--no-dedupe", is_flag=True, help="Keep repeated ids and repeated texts.")
@click.option("--since", help="Keep posts at or after this time (ISO 8601, UTC if no offset).")
@click.option("--until", help="Keep posts before this time.")
@click.option(
    "--keyword",
    "keywords",
    multiple=True,
    help="Keep posts containing this word (repeatable; any matches).",
)
@click.option(
    "--pseudonymize-salt", help="Replace account ids and handles by hashes salted with this secret."
)
@click.option(
    "--format",
    "input_format",
    type=click.Choice(FORMATS),
    help="Force the input format instead of sniffing it.",
)
@click.option(
    "--csv-map", help="For CSVs: FIELD=COLUMN pairs, e.g. id=tweet_id,text=content,created_at=date."
)
@json_option
@quiet_option
@handle_errors
def command(
    inputs: tuple[str, ...],
    output: str,
    quarantine: str | None,
    event_path: str | None,
    keep_retweets: bool,
    lang: str | None,
    no_dedupe: bool,
    since: str | None,
    until: str | None,
    keywords: tuple[str, ...],
    pseudonymize_salt: str | None,
    input_format: str | None,
    csv_map: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Read raw archives (Twitter v1.1, v2, twarc2, CSV; plain, .gz, .bz2, .zst).

    Writes one normalised corpus and prints what was read, kept, filtered (by reason)
    and quarantined; always read = kept + filtered + quarantined. Malformed records go
    to the quarantine file with their file, line and reason.

    \b
    Example:
      crowdpulse ingest posts.jsonl.gz more.csv -o corpus.parquet --lang en
      crowdpulse ingest --event paris.toml -o corpus.parquet --json
    """
    from crowdpulse.io.ingest import IngestOptions, ingest

    paths = list(inputs)
    event = load_event(event_path) if event_path else None
    if event is not None:
        paths = paths or [str(p) for p in event.inputs]
        lang = lang or event.lang
        keywords = keywords or event.keywords
    if not paths:
        raise ConfigError("give at least one input file (or an event with inputs)", field="INPUTS")
    options = IngestOptions(
        keep_retweets=keep_retweets,
        lang=lang,
        dedupe=not no_dedupe,
        since=parse_time(since, field_name="--since")
        if since
        else (event.start if event else None),
        until=parse_time(until, field_name="--until") if until else (event.end if event else None),
        keywords=tuple(keywords),
        pseudonymize_salt=pseudonymize_salt,
        csv_map=_csv_map(csv_map),
        input_format=input_format,
    )
    summary = ingest(paths, Path(output), quarantine=quarantine, options=options, quiet=quiet)
    if as_json:
        emit_json(summary.as_dict())
        return
    click.echo(f"read         {summary.read:>12,}")
    click.echo(f"kept         {summary.kept:>12,}")
    click.echo(f"filtered     {sum(summary.filtered.values()):>12,}")
    for reason, count in sorted(summary.filtered.items()):
        click.echo(f"  {reason:<22}{count:>12,}")
    click.echo(f"quarantined  {summary.quarantined:>12,}")
    if summary.incomplete:
        click.echo(f"(kept with a missing expansion: {summary.incomplete:,})")
    click.echo(f"corpus: {summary.output}")
    if summary.quarantine_file:
        click.echo(f"quarantine: {summary.quarantine_file}")
