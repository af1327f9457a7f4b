"""``crowdpulse emojis``: the emoji tables, networks and diffusion figures of an event."""

from __future__ import annotations

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option
from crowdpulse.cli._engine import engine_for, engine_options

__all__ = ["command"]


def _formats(value: str) -> tuple[str, ...]:
    items = tuple(v.strip().lower() for v in value.split(",") if v.strip())
    for item in items:
        if item not in ("png", "svg", "pdf"):
            raise click.BadParameter(f"{item!r} is not one of png, svg, pdf", param_hint="--format")
    if not items:
        raise click.BadParameter("give at least one format", param_hint="--format")
    return items


@click.command("emojis")
@click.argument("corpus", type=click.Path(dir_okay=False))
@click.option(
    "--event", "event_path", required=True, type=click.Path(dir_okay=False), help="Event TOML file."
)
@click.option(
    "-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder."
)
@click.option(
    "--top",
    "top_k",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="Length of the top lists.",
)
@click.option(
    "--weighting",
    type=click.Choice(["posts", "inverse-length"]),
    default="posts",
    show_default=True,
    help="Co-occurrence weight: posts in which a pair co-occurs, "
    "or the R code's 1/(emojis in the post).",
)
@click.option(
    "--min-weight",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Drop edges lighter than this.",
)
@click.option(
    "--min-degree",
    default=1,
    show_default=True,
    type=click.IntRange(min=0),
    help="Drop emojis with fewer edges.",
)
@click.option(
    "--max-nodes",
    default=60,
    show_default=True,
    type=click.IntRange(min=0),
    help="Most emojis drawn in a network figure (0: all); files keep the whole network.",
)
@click.option(
    "--bucket",
    default=None,
    help="Diffusion bucket, e.g. 1D, 6h (default: the event's emojis.bucket).",
)
@click.option(
    "--min-count",
    default=None,
    type=click.IntRange(min=1),
    help="Smallest count per bucket and emoji (default: the event's emojis.min_count).",
)
@click.option(
    "--unscored",
    type=click.Choice(["band", "drop"]),
    default="band",
    show_default=True,
    help="Emojis without a sentiment score in the diffusion figures: own band, or left out.",
)
@click.option(
    "--format",
    "formats",
    default="png,svg",
    show_default=True,
    help="Figure formats (png, svg, pdf).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the network layouts.")
@click.option(
    "--font",
    "font_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Colour emoji font file.",
)
@engine_options
@quiet_option
@json_option
@handle_errors
def command(
    corpus: str,
    event_path: str,
    out_dir: str,
    top_k: int,
    weighting: str,
    min_weight: float,
    min_degree: int,
    max_nodes: int,
    bucket: str | None,
    min_count: int | None,
    unscored: str,
    formats: str,
    seed: int,
    font_path: str | None,
    workers: int,
    scheduler: str | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Write the emoji tables, co-occurrence networks and diffusion figures of an event.

    Tables 1, 4, 5 and 6 of "I Stand With You" (Santhanam et al. 2018), Figures 1-4
    (co-occurrence networks inside / outside the affected regions) and 5-8 (emojis
    over time, ordered by sentiment).

    Tables go to CSV and one Markdown file (emoji_tables.md), figures to PNG and SVG,
    networks to GEXF and GraphML. A corpus without the enriched columns (emojis,
    solidarity, country) gets them computed on the fly with the event's [labels].
    Prints the files written (with --json: the table numbers and the file list).

    \b
    Example:
      crowdpulse emojis corpus.parquet --event event.toml -o emojis/
      crowdpulse emojis corpus.parquet --event event.toml -o emojis/ --json
      crowdpulse emojis corpus.parquet --event event.toml -o emojis/ \\
        --weighting inverse-length --min-weight 2 --bucket 6h
      crowdpulse emojis corpus.parquet --event event.toml -o emojis/ --workers 2
    """
    import warnings

    from crowdpulse.emoji.glyphs import GlyphFallbackWarning
    from crowdpulse.emoji.pipeline import run_emojis

    with (
        engine_for(workers, scheduler, event_path) as engine,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", GlyphFallbackWarning)
        report = run_emojis(
            corpus,
            event_path,
            out_dir,
            engine=engine,
            formats=_formats(formats),
            seed=seed,
            font_path=font_path,
            max_nodes=max_nodes or None,
            quiet=quiet,
            top_k=top_k,
            weighting="inverse_length" if weighting == "inverse-length" else "posts",
            min_weight=min_weight,
            min_degree=min_degree,
            bucket=bucket,
            min_count=min_count,
            unscored=unscored,
        )
    notes = sorted({str(w.message) for w in caught if issubclass(w.category, GlyphFallbackWarning)})
    if not quiet:
        for note in notes:
            click.echo(f"crowdpulse: warning: {note}", err=True)
    if as_json:
        emit_json(report.to_dict())
        return
    for path in report.files:
        click.echo(str(path))
    if not quiet:
        a = report.analysis
        t6 = a.table6
        share = t6.share("inside")
        click.echo(
            f"{a.event}: {a.table1.solidarity:,} solidarity / "
            f"{a.table1.not_solidarity:,} not solidarity posts; "
            f"emojis {a.table4['solidarity'].emojis:,} / {a.table4['not solidarity'].emojis:,}; "
            f"solidarity emojis inside {t6['inside'].emojis:,}, outside {t6['outside'].emojis:,}, "
            f"unknown {t6['unknown'].emojis:,}"
            + (f" ({share:.2f}% of the geotagged inside)" if share is not None else ""),
            err=True,
        )
