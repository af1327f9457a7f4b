"""``crowdpulse ingest``: raw archives in, one normalised corpus out."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option
from crowdpulse.cli._engine import engine_for, engine_options
from crowdpulse.event import load_event, parse_time
from crowdpulse.exceptions import ConfigError
from crowdpulse.io.registry import format_names

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
@click.option(
    "--dedupe-store",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Keep the dedupe keys beyond 2^24 per set (128 MiB) in files in DIR, memory-mapped, "
    "for inputs of hundreds of millions of posts [default: in memory, 16 bytes a kept post].",
)
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
    "--pseudonymize-salt-env",
    metavar="NAME",
    help="Like --pseudonymize-salt, the salt read from this environment variable "
    "(kept out of the process list and shell history) [default: the event's [privacy]].",
)
@click.option(
    "--quarantine-excerpts",
    type=click.Choice(["redact", "pseudonymize"]),
    help="When pseudonymising: what the quarantine keeps of a rejected record's raw text "
    "[default: redact, or the event's [privacy]].",
)
@click.option(
    "--format",
    "input_format",
    type=click.Choice(format_names()),
    help="Force the input format instead of sniffing it (see docs/ingest.md).",
)
@click.option(
    "--glob",
    "glob_pattern",
    help="For folders: read only files whose name matches, e.g. '*.jsonl.gz' [default: all].",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on any input that holds no posts, instead of skipping it with a warning.",
)
@click.option(
    "--csv-map", help="For CSVs: FIELD=COLUMN pairs, e.g. id=tweet_id,text=content,created_at=date."
)
@click.option(
    "--time-format",
    help="For CSVs: strftime format of the time column, e.g. '%m/%d/%y %H:%M' "
    "[default: recognised; ambiguous day/month orders are refused].",
)
@click.option(
    "--timezone",
    help="For CSVs: IANA zone of times without an offset, e.g. Europe/Berlin [default: UTC].",
)
@click.option(
    "--encoding",
    help="For CSVs: the file's encoding, e.g. latin-1 "
    "[default: UTF-8, fields that are not UTF-8 decoded as Windows-1252 and counted].",
)
@click.option(
    "--set",
    "constants",
    multiple=True,
    metavar="FIELD=VALUE",
    help="For CSVs: a constant field for every post, e.g. mention_handles=@account (repeatable).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Write an empty corpus and exit 0 when no post is kept (else an error).",
)
@engine_options
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
    dedupe_store: str | None,
    since: str | None,
    until: str | None,
    keywords: tuple[str, ...],
    pseudonymize_salt: str | None,
    pseudonymize_salt_env: str | None,
    quarantine_excerpts: str | None,
    input_format: str | None,
    glob_pattern: str | None,
    strict: bool,
    csv_map: str | None,
    time_format: str | None,
    timezone: str | None,
    encoding: str | None,
    constants: tuple[str, ...],
    allow_empty: bool,
    workers: int,
    scheduler: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Read raw archives: Twitter (v1.1, v2, twarc2, CSV), Bluesky, Mastodon, Reddit, Telegram.

    Inputs are files (plain, .gz, .bz2, .zst), folders (read recursively), pipes or
    - for standard input; the format of each is sniffed. In folders and lists of
    several inputs, files that hold no posts (users, counts, lists of ids) are
    skipped with a warning and listed in --json (--strict makes that an error).

    Writes one normalised corpus and prints what was read, kept, filtered (by reason)
    and quarantined; always read = kept + filtered + quarantined. Malformed records go
    to the quarantine file with their file, line and reason.

    With --workers N (or --scheduler) the inputs are read as tasks of a Dask cluster:
    one per file, and one per 64 MiB of uncompressed JSON lines; the corpus, the
    counts and the quarantine are the same as in one process (docs/scale.md).

    \b
    Example:
      crowdpulse ingest posts.jsonl.gz more.csv -o corpus.parquet --lang en
      crowdpulse ingest --event paris.toml -o corpus.parquet --json
      crowdpulse ingest archive/ --glob '*.jsonl.gz' -o corpus.parquet --keep-retweets
      crowdpulse ingest posts_0.jsonl.gz posts_1.jsonl.gz -o corpus.parquet --workers 2
      crowdpulse ingest <(zstdcat RC_2017-10.zst) -o reddit.parquet --format reddit
      crowdpulse ingest export.csv -o c.parquet --csv-map text=text,created_at=time \\
        --time-format '%m/%d/%y %H:%M' --set mention_handles=@someone
    """
    from crowdpulse.io.csvfile import parse_constants
    from crowdpulse.io.ingest import IngestOptions, ingest

    paths = list(inputs)
    event = load_event(event_path) if event_path else None
    if event is not None:
        paths = paths or [str(p) for p in event.inputs]
        lang = lang or event.lang
        keywords = keywords or event.keywords
    settings: dict[str, Any] = event.ingest if event is not None else {}
    if not paths:
        raise ConfigError("give at least one input file (or an event with inputs)", field="INPUTS")
    if pseudonymize_salt_env:
        pseudonymize_salt = os.environ.get(pseudonymize_salt_env) or None
        if pseudonymize_salt is None:
            raise ConfigError(
                f"the environment variable {pseudonymize_salt_env} is not set",
                field="--pseudonymize-salt-env",
            )
    elif not pseudonymize_salt and event is not None:
        pseudonymize_salt = event.pseudonymize_salt()
    if quarantine_excerpts is None:
        privacy = event.privacy if event is not None else None
        quarantine_excerpts = privacy.quarantine_excerpts if privacy else "redact"
    options = IngestOptions(
        keep_retweets=keep_retweets,
        lang=lang,
        dedupe=not no_dedupe,
        dedupe_store=dedupe_store,
        since=parse_time(since, field_name="--since")
        if since
        else (event.start if event else None),
        until=parse_time(until, field_name="--until") if until else (event.end if event else None),
        keywords=tuple(keywords),
        pseudonymize_salt=pseudonymize_salt,
        quarantine_excerpts=quarantine_excerpts,
        csv_map=_csv_map(csv_map) or settings.get("csv_map"),
        input_format=input_format,
        glob=glob_pattern,
        strict=strict,
        time_format=time_format or settings.get("time_format"),
        timezone=timezone or settings.get("timezone"),
        encoding=encoding or settings.get("encoding"),
        constants=parse_constants(constants) or parse_constants(settings.get("set")),
        allow_empty=allow_empty,
    )
    with engine_for(workers, scheduler, event_path) as engine:
        summary = ingest(
            paths, Path(output), quarantine=quarantine, options=options, quiet=quiet, engine=engine
        )
    if as_json:
        emit_json(summary.as_dict())
        return
    click.echo(f"read         {summary.read:>12,}")
    click.echo(f"kept         {summary.kept:>12,}")
    click.echo(f"filtered     {sum(summary.filtered.values()):>12,}")
    for reason, count in sorted(summary.filtered.items()):
        click.echo(f"  {reason:<22}{count:>12,}")
    click.echo(f"quarantined  {summary.quarantined:>12,}")
    if summary.skipped:
        click.echo(f"skipped files {summary.skipped:>11,} (no posts; see --json)")
    if summary.incomplete:
        click.echo(f"(kept with a missing expansion: {summary.incomplete:,})")
    click.echo(f"corpus: {summary.output}")
    if summary.quarantine_file:
        click.echo(f"quarantine: {summary.quarantine_file}")
