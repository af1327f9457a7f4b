"""``crowdpulse detect``: change points of one numeric column of a CSV file."""

from __future__ import annotations

import click

from crowdpulse.cli._common import emit_json, handle_errors, json_option, quiet_option

__all__ = ["command"]


def _penalty(value: str) -> str | float:
    text = value.strip().lower()
    if text in ("auto", "elbow"):
        return text
    try:
        pen = float(text)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not 'auto', 'elbow' or a number", param_hint="--penalty"
        ) from None
    if not pen >= 0 or pen == float("inf"):
        raise click.BadParameter("a penalty must be a finite number >= 0", param_hint="--penalty")
    return pen


@click.command("detect")
@click.argument("series", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--column", default=None, help="Column to read (default: the first numeric one).")
@click.option(
    "--cost",
    type=click.Choice(["normal-mean", "normal-meanvar", "poisson"]),
    default="normal-mean",
    show_default=True,
    help="Segment model: change in mean, in mean and variance, or in a Poisson rate (counts).",
)
@click.option(
    "--penalty",
    default="auto",
    show_default=True,
    help="'auto' (MBIC-type 3 log n times the robust long-run noise variance, on the series "
    "rescaled by its median and noise scale, counts square-rooted first), 'elbow' (the firestorm "
    "paper's rule over penalties 2..10, on the z-scored series) or a number (in the cost's "
    "units, on the values as given).",
)
@click.option(
    "--min-size",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="Minimum segment length.",
)
@click.option(
    "--pruning",
    type=click.Choice(["standard", "safe"]),
    default="standard",
    show_default=True,
    help="'standard' gives ruptures' results; 'safe' always the exact optimum.",
)
@quiet_option
@json_option
@handle_errors
def command(
    series: str,
    column: str | None,
    cost: str,
    penalty: str,
    min_size: int,
    pruning: str,
    quiet: bool,
    as_json: bool,
) -> None:
    """Find the change points of a series in a CSV file with PELT.

    SERIES is a CSV file with a header row ('-' reads standard input). Empty cells
    (and nan, NA, null) are missing: they are left out, and change points are given
    as 0-based data rows (the header is not a row) of the first value of each new
    segment. A cell reading inf is an error (file, line, column).

    With the default 'auto' and 'elbow' penalties the result does not depend on the
    units: the column times 1000, or plus 1000, gives the same change points, and
    the penalty is reported in the rescaled units. Counts (whole numbers >= 0) are
    square-rooted first, since their noise grows with their level. On the 12 real
    series of the TCPD development split the default scores F1 0.79 / covering
    0.67 (0.75 / 0.67 leave-one-series-out), against 0.60 / 0.51 for "no change"
    (docs/detect.md).

    With --json, one object with "changepoints", "penalty", "penalty_rule",
    "rescaled", "cost", "n" and the segments.

    \b
    Example:
      crowdpulse detect counts.csv --column tweets --json
      crowdpulse detect counts.csv --column tweets --cost poisson
      crowdpulse detect series.csv --penalty elbow
      printf 'x\\n1\\n1\\n1\\n9\\n9\\n9\\n' | crowdpulse detect - --penalty 1
    """
    from crowdpulse.detect.csvseries import read_series_csv
    from crowdpulse.detect.segment import segment

    pen = _penalty(penalty)
    data = read_series_csv(series, column)
    result = segment(
        data.values,
        cost=cost,
        penalty=pen,
        min_size=min_size,
        pruning=pruning,  # type: ignore[arg-type]
    )
    rows = data.rows
    starts = [int(rows[s]) for s in result.starts]
    ends = [int(rows[e - 1]) + 1 for e in result.ends]
    changepoints = [int(rows[c]) for c in result.changepoints]
    if as_json:
        emit_json(
            {
                "changepoints": changepoints,
                "penalty": result.penalty,
                "penalty_rule": result.penalty_rule,
                "rescaled": result.rescaled,
                "cost": result.cost,
                "n": data.n_rows,
                "n_values": int(data.values.size),
                "n_missing": data.n_missing,
                "column": data.name,
                "segments": [
                    {"start": s, "end": e, "mean": m}
                    for s, e, m in zip(starts, ends, result.means, strict=True)
                ],
            }
        )
    else:
        click.echo(f"{'segment':>7}  {'start':>7}  {'end':>7}  {'values':>7}  {'mean':>12}")
        for i, (s, e, a, b, m) in enumerate(
            zip(starts, ends, result.starts, result.ends, result.means, strict=True)
        ):
            click.echo(f"{i + 1:>7}  {s:>7}  {e:>7}  {b - a:>7}  {m:>12.6g}")
    if not quiet:
        click.echo(
            f"{data.name}: {len(changepoints)} change point(s) in {data.n_rows} rows "
            f"({data.n_missing} missing); cost {result.cost}, penalty "
            f"{result.penalty:.6g} ({result.penalty_rule}"
            + (
                f", on the series rescaled: {result.rescaled})"
                if result.rescaled != "none"
                else ")"
            ),
            err=True,
        )
