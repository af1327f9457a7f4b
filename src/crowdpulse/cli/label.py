"""``crowdpulse label``: a hashtag sheet's annotator agreement; distant labelling of a corpus."""

from __future__ import annotations

from pathlib import Path

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option
from crowdpulse.exceptions import ConfigError

__all__ = ["command"]


@click.command("label")
@click.argument("corpus", required=False, type=click.Path(dir_okay=False))
@click.option("--sheet", type=click.Path(dir_okay=False), help="Hashtag annotation sheet (CSV).")
@click.option("--column", help="Label from this corpus column instead of hashtags (e.g. label).")
@click.option(
    "--positive", multiple=True, help="With --column: a value that means solidarity (repeatable)."
)
@click.option(
    "--exclude", multiple=True, help="With --column: a value that means no label (repeatable)."
)
@click.option(
    "--event",
    "event_path",
    type=click.Path(dir_okay=False),
    help="Event TOML with a [labels] section.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Labelled corpus to write (Parquet)."
)
@click.option(
    "--keep-conflicting",
    is_flag=True,
    help="Keep posts whose label hashtags conflict (null label).",
)
@quiet_option
@json_option
@handle_errors
def command(
    corpus: str | None,
    sheet: str | None,
    column: str | None,
    positive: tuple[str, ...],
    exclude: tuple[str, ...],
    event_path: str | None,
    output: str | None,
    keep_conflicting: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Check a hashtag sheet's agreement, or label a corpus's posts as solidarity / not solidarity.

    With only --sheet: print Cohen's kappa of the two annotators and the number of
    hashtags per final label (solidarity, no solidarity, ignore). A final label is
    the annotators' label where both say solidarity or both say not solidarity, else
    ignore.

    With a CORPUS and -o: add the columns solidarity, label_hashtags and
    text_for_training. Labels come from the sheet's hashtags (posts whose label
    hashtags conflict are dropped), or from a column (--column label --positive
    "Sympathy and support": other non-null values are not solidarity), or from the
    [labels] section of --event. Prints the counts.

    \b
    Example:
      crowdpulse label --sheet annotations_paris.csv --json
      crowdpulse label --sheet annotations_paris.csv corpus.parquet -o labelled.parquet
      crowdpulse label corpus.parquet --column label --positive "Sympathy and support" \\
          -o labelled.parquet
    """
    from crowdpulse.event import LabelSource, load_event
    from crowdpulse.label import read_sheet

    source: LabelSource | None = None
    if event_path is not None:
        if sheet or column:
            raise ConfigError("give --event or --sheet / --column, not both", field="event")
        event = load_event(event_path)
        if event.labels is None:
            raise ConfigError("the event has no [labels] section", field="labels", path=event_path)
        source = event.labels
    elif sheet is not None and column is not None:
        raise ConfigError("give --sheet or --column, not both", field="column")
    elif sheet is not None:
        source = LabelSource(sheet=Path(sheet))
    elif column is not None:
        if not positive:
            raise ConfigError("--column needs at least one --positive value", field="positive")
        source = LabelSource(column=column, positive=positive)
    if source is None:
        raise ConfigError("give --sheet, --column or --event", field="sheet")

    if corpus is None:
        if source.sheet is None:
            raise ConfigError("without a corpus, give a --sheet to summarise", field="sheet")
        summary = read_sheet(source.sheet).summary()
        if as_json:
            emit_json(summary)
            return
        counts = summary["hashtags"]
        assert isinstance(counts, dict)
        click.echo(
            f"kappa: {summary['kappa']:.4f}  "
            "(Cohen's kappa of the two annotators; the papers report > 0.65)"
        )
        click.echo("hashtags per final label: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        lex = summary["lexicon"]
        assert isinstance(lex, dict)
        click.echo(
            f"rows: {summary['rows']}, unique hashtags: {summary['unique_hashtags']}, "
            f"on several rows: {summary['duplicate_hashtags']}, with conflicting rows (left out): "
            f"{summary['inconsistent_hashtags']}"
        )
        click.echo(
            f"label lexicon: {lex['solidarity']} solidarity, "
            f"{lex['not solidarity']} not solidarity hashtags"
        )
        return

    if output is None:
        raise ConfigError("give -o FILE for the labelled corpus", field="output")
    from crowdpulse.label import label_file

    # batch by batch: one row group a batch, the file replaced atomically at the end
    result = label_file(
        corpus,
        output,
        source,
        drop_conflicting=not keep_conflicting,
        exclude=exclude,
        validate=True,
        quiet=quiet,
    )
    counts_dict = result.counts.to_dict()
    if as_json:
        emit_json({**counts_dict, "posts": result.labelled, "output": output})
        return
    c = result.counts
    state = "dropped" if c.conflicting_dropped else "kept unlabelled"
    click.echo(
        f"solidarity: {c.solidarity}, not solidarity: {c.not_solidarity}, "
        f"conflicting ({state}): {c.conflicting}, unlabelled: {c.unlabelled}"
    )
    if not quiet:
        click.echo(f"wrote {result.labelled} posts to {output}", err=True)
