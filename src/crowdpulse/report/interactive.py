"""The page's interactive charts (Bokeh, its code inlined: the page fetches nothing).

Why Bokeh: it is a Python package (no build step, no download at run time) whose
core JavaScript (``bokeh.min.js``, about 1.3 MB) is inlined once and serves every
chart; it has linked ranges (one shared, zoomable time axis for the timeline's
panels), hover tools and tap callbacks (the drill-down), and its figures are built
from the same Arrow data as the rest of the report. The measured alternatives are
in ``docs/report.md``.

Each chart is a :class:`~crowdpulse.report.blocks.Embed` block holding a placeholder
``<div>``; :func:`collect` returns the library's code and one script that draws
every chart into its placeholder once the page has loaded.

Colours: the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies); series differ by dash pattern and marker too.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from markupsafe import Markup

from crowdpulse.report.blocks import Embed, fmt_int

if TYPE_CHECKING:
    from crowdpulse.report.results import FirestormStageResult, GeographyResult
    from crowdpulse.report.sections.context import PageContext

__all__ = ["OKABE_ITO", "Charts", "collect", "country_chart", "term_chart", "timeline"]

OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
_DASHES = ("solid", "dashed", "dotted", "dotdash", "dashdot")
_TOOLS = "xpan,xwheel_zoom,box_zoom,reset,save"
_PEAK_BUCKETS = 10


@dataclass
class Charts:
    """The charts of a page: the library's code and the script that draws them."""

    scripts: list[Markup] = field(default_factory=list)
    html: Markup = field(default_factory=Markup)


def _register(page: PageContext, name: str, model: Any) -> str:
    json_item = _bokeh("embed").json_item
    target = f"cp-chart-{name}"
    items = page.drill.setdefault("__charts__", [])
    items.append(json_item(model, target))
    return target


def collect(page: PageContext) -> Charts:
    """The library's code and the drawing script, when the page has charts.

    The chart items travel inside the drill-down data (key ``__charts__``), so the
    page carries one JSON block.
    """
    if not page.drill.get("__charts__"):
        page.drill.pop("__charts__", None)
        return Charts()
    resources = _bokeh("resources").Resources(mode="inline", components=["bokeh"])
    code = [Markup(_offline(js)) for js in resources.js_raw]
    draw = Markup(
        "<script>document.addEventListener('DOMContentLoaded',function(){"
        "var d=JSON.parse(document.getElementById('drill-data').textContent||'{}');"
        "(d.__charts__||[]).forEach(function(item){Bokeh.embed.embed_item(item);});});"
        "</script>"
    )
    return Charts(scripts=code, html=draw)


_LOADERS = (
    # the library's lazy loaders of things this page never draws (TeX labels, Google Maps,
    # an icon font): pointed at empty data URLs, so the inlined code cannot fetch anything
    "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js",
    "https://maps.googleapis.com/maps/api/js?",
    "https://cdn.jsdelivr.net/npm/@tabler/icons-webfont@latest",
)


def _offline(js: str) -> str:
    """The library's code, safe inside ``<script>`` and with its network loaders disabled."""
    for url in _LOADERS:
        js = js.replace(url, "data:text/plain,")
    return js.replace("</script", "<\\/script")


def _bokeh(module: str) -> Any:
    """A Bokeh module, untyped (its stubs do not describe its models' properties)."""
    return importlib.import_module(f"bokeh.{module}")


def _okabe(i: int) -> str:
    return OKABE_ITO[i % len(OKABE_ITO)]


def _read_series(path: Any) -> pa.Table:
    return pacsv.read_csv(path)


def _times(table: pa.Table) -> np.ndarray:
    start = table.column("start")
    if not pa.types.is_timestamp(start.type):
        start = pc.strptime(start, format="%Y-%m-%dT%H:%M:%SZ", unit="us")
    return np.asarray(start.cast(pa.timestamp("us")).cast(pa.int64())) / 1000.0


def _labels(x: np.ndarray) -> list[str]:
    """Bucket start times (epoch milliseconds) as ``YYYY-MM-DD HH:MM UTC``."""
    return [datetime.fromtimestamp(v / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC") for v in x]


def _peak_drills(page: PageContext, s: FirestormStageResult, series: pa.Table) -> list[int]:
    """Sample posts of the busiest buckets, the start and the peaks; return their rows."""
    from crowdpulse.firestorm import target_post_mask
    from crowdpulse.report.drill import sample_file, sample_of

    posts = np.asarray(series.column("posts").to_numpy(zero_copy_only=False), dtype=float)
    rows = set(np.argsort(-posts, kind="stable")[:_PEAK_BUCKETS].tolist())
    x = _times(series)
    for moment in (s.truth.start, s.truth.peak_in_degree, s.truth.peak_posts):
        if moment is None:
            continue
        when = datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp() * 1000
        hit = np.flatnonzero(np.abs(x - when) < 1.0)
        rows.update(int(i) for i in hit[:1])
    if not rows:
        return []
    record = page.record("features")
    minutes = s.options.bucket_minutes
    ranges = {}
    for row in sorted(rows):
        lo = int(datetime.fromtimestamp(x[row] / 1000, UTC).timestamp() * 1_000_000)
        ranges[f"bucket:{row}"] = (lo, lo + minutes * 60 * 1_000_000)
    targets: dict[str, int] = dict.fromkeys(ranges, 0)

    def masks(batch: pa.Table) -> dict[str, np.ndarray]:
        created = np.asarray(
            batch.column("created_at").cast(pa.timestamp("us")).cast(pa.int64()).fill_null(-1)
        )
        target = target_post_mask(batch, s.target)
        out = {}
        for key, (lo, hi) in ranges.items():
            mask = (created >= lo) & (created < hi)
            targets[key] += int(target[mask].sum())
            out[key] = mask
        return out

    # batch by batch: the posts of each bucket are kept as row numbers; the texts of
    # the posts shown are read at the end
    mentions = ["mention_ids", "mention_handles", "hashtags"]
    samples = sample_file(
        record.file("features.parquet"),
        ["created_at", *mentions],
        masks,
        ["created_at", "text", *mentions],
        seed=page.options.seed,
        keys=list(ranges),
    )
    for row in sorted(rows):
        key = f"bucket:{row}"
        begin = datetime.fromtimestamp(x[row] / 1000, UTC)
        end = begin + timedelta(minutes=minutes)
        picked = samples[key].picked
        target = target_post_mask(picked, s.target)
        labelled = picked.append_column(
            "about", pa.array(np.where(target, f"carries {s.target}", ""), pa.string())
        )
        page.drill[key] = sample_of(
            labelled,
            samples[key].total,
            seed=page.options.seed,
            title=f"Posts of the bucket {begin:%Y-%m-%d %H:%M}–{end:%H:%M} UTC",
            what=f"posts in the bucket ({targets[key]:,} carry {s.target})",
            label_column="about",
            keep=frozenset({s.target.lower()}),
        )
    return sorted(rows)


def timeline(page: PageContext, s: FirestormStageResult) -> Embed | None:
    """The firestorm's timeline: posts, lexical series and network metrics, one time axis.

    Three panels share the x range (zoom or pan one, all follow): posts per bucket and
    target posts with the streaming alerts of the count series and the ground truth
    marked; the lexical series closest to the start; the mention network's max
    in-degree and size. Hover shows the values; the diamonds mark the busiest
    buckets, the start and the peaks: choose one (click, or the table below) for
    example posts.
    """
    record = page.record("firestorm")
    if not record.has("series.csv"):
        return None
    column = _bokeh("layouts").column
    bm = _bokeh("models")
    BoxAnnotation = bm.BoxAnnotation
    ColumnDataSource = bm.ColumnDataSource
    CustomJS = bm.CustomJS
    HoverTool = bm.HoverTool
    Range1d = bm.Range1d
    Span = bm.Span
    TapTool = bm.TapTool
    figure = _bokeh("plotting").figure

    series = _read_series(record.file("series.csv"))
    x = _times(series)
    if not len(x):
        return None
    data: dict[str, Any] = {"t": x, "time": _labels(x)}
    for name in series.column_names:
        if name in ("bucket", "start"):
            continue
        data[name] = np.asarray(series.column(name).to_numpy(zero_copy_only=False), dtype=float)
    source = ColumnDataSource(data)
    step = s.options.bucket_minutes * 60_000
    shared = Range1d(float(x[0]) - step, float(x[-1]) + step)
    panels = []

    def panel(title: str, height: int, label: str) -> Any:
        fig = figure(
            title=title,
            height=height,
            sizing_mode="stretch_width",
            x_axis_type="datetime",
            x_range=shared,
            tools=_TOOLS,
            active_scroll="xwheel_zoom",
            toolbar_location="right",
        )
        fig.yaxis.axis_label = label
        fig.title.text_font_size = "12pt"
        for name, moment in (
            ("start", s.truth.start),
            ("peak in-degree", s.truth.peak_in_degree),
            ("peak posts", s.truth.peak_posts),
        ):
            if moment is None:
                continue
            when = datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp() * 1000
            fig.add_layout(
                Span(
                    location=when,
                    dimension="height",
                    line_color="#000000" if name == "start" else "#999999",
                    line_dash="dashed" if name == "start" else "dotted",
                    line_width=1.5,
                )
            )
        panels.append(fig)
        return fig

    counts = panel(
        f"Posts per {s.options.bucket_minutes}-minute bucket; dashed line: the start, dotted: "
        "the peaks; ◆ choose for example posts",
        260,
        "posts",
    )
    lines = []
    for i, (name, legend) in enumerate(
        (("posts", "all posts"), ("target_posts", f"posts with {s.target}"))
    ):
        if name in data:
            lines.append(
                counts.line(
                    "t",
                    name,
                    source=source,
                    color=_okabe(i),
                    line_dash=_DASHES[i],
                    line_width=1.6,
                    legend_label=legend,
                )
            )
    counts.add_tools(
        HoverTool(
            renderers=lines[:1],
            tooltips=[
                ("bucket", "@time"),
                ("posts", "@posts{0,0}"),
                ("target", "@target_posts{0,0}"),
            ],
            mode="vline",
        )
    )
    alerts = _alerts(record)
    episodes = [a for a in alerts if a["episode"] is not None]
    count_alerts = episodes or [a for a in alerts if a["series"] in ("posts", "target_posts")]
    spans: dict[int, list[float]] = {}
    for a in episodes:
        span = spans.setdefault(a["episode"], [a["t"], a["t"] + step])
        span[1] = max(span[1], a["t"] + step)
    for left, right in spans.values():
        counts.add_layout(
            BoxAnnotation(left=left, right=right, fill_color=_okabe(3), fill_alpha=0.18)
        )
    if count_alerts:
        alert_source = ColumnDataSource(
            {
                "t": [a["t"] for a in count_alerts],
                "y": [float(np.interp(a["t"], x, data["posts"])) for a in count_alerts],
                "what": [a["what"] for a in count_alerts],
                "detected": [a["detected_at"] for a in count_alerts],
            }
        )
        dots = counts.scatter(
            "t",
            "y",
            source=alert_source,
            marker="triangle",
            size=10,
            color=_okabe(3),
            line_color="#000000",
            legend_label="alert episode" if episodes else "streaming alert (count series)",
        )
        counts.add_tools(
            HoverTool(
                renderers=[dots],
                tooltips=[
                    ("alert", "@what"),
                    ("bucket", "@t{%F %H:%M}"),
                    ("raised", "@detected"),
                ],
                formatters={"@t": "datetime"},
            )
        )
    peaks = _peak_drills(page, s, series)
    if peaks:
        peak_source = ColumnDataSource(
            {
                "t": [float(x[r]) for r in peaks],
                "y": [float(data["posts"][r]) for r in peaks],
                "key": [f"bucket:{r}" for r in peaks],
                "time": [data["time"][r] for r in peaks],
            }
        )
        diamonds = counts.scatter(
            "t",
            "y",
            source=peak_source,
            marker="diamond",
            size=13,
            color=_okabe(1),
            legend_label="example posts",
            name="peaks",
        )
        counts.add_tools(
            HoverTool(renderers=[diamonds], tooltips=[("bucket", "@time"), ("posts", "@y{0,0}")]),
            TapTool(
                renderers=[diamonds],
                callback=CustomJS(
                    args={"source": peak_source},
                    code="var i = source.selected.indices[0];"
                    "if (i !== undefined) { window.crowdpulseDrill(source.data.key[i]); }",
                ),
            ),
        )
    counts.legend.location = "top_left"
    counts.legend.click_policy = "hide"
    lexical = [c for c in s.closest_series if c in data][:3]
    for extra in ("lex_posemo:all", "lex_negemo:all"):
        if extra in data and extra not in lexical:
            lexical.append(extra)
    if lexical:
        lex = panel("Lexical series (category means per bucket)", 220, "mean")
        _series_lines(lex, source, lexical, first_colour=2, number="0.00", labels=lexical)
        lex.legend.label_text_font_size = "8pt"
    network = [n for n in ("mention_net:max_in_degree", "mention_net:lwcc_size") if n in data]
    if network:
        net = panel(
            f"Mention network of the last {s.options.window_buckets} buckets", 220, "accounts"
        )
        labels = [n.split(":")[1].replace("_", " ") for n in network]
        _series_lines(net, source, network, first_colour=4, number="0,0", labels=labels)
    target = _register(page, "timeline", column(*panels, sizing_mode="stretch_width"))
    peak_rows = [
        (
            data["time"][r],
            fmt_int(data["posts"][r]),
            fmt_int(data.get("target_posts", data["posts"])[r]),
            f"bucket:{r}",
        )
        for r in peaks
    ]
    return Embed(
        "chart.html.j2",
        {
            "target": target,
            "title": "Interactive timeline",
            "description": (
                f"Posts per bucket ({fmt_int(s.truth.posts)} posts, "
                f"{fmt_int(s.truth.target_posts)} "
                f"with {s.target}), {len(lexical)} lexical series and the mention network's "
                f"max in-degree (peak {s.truth.peak_in_degree or '–'}) on one time axis; "
                + (
                    f"{len(spans)} alert episode(s) shaded ({len(episodes)} alerts). "
                    if episodes
                    else f"{len(count_alerts)} streaming alerts of the count series marked. "
                )
                + "Drag to pan, "
                "scroll or box-select to zoom (all panels follow), hover for values, click a "
                "legend entry to hide a series."
            ),
            "rows": peak_rows,
            "rows_caption": "Busiest buckets, the start and the peaks: choose a row for example "
            "posts (keyboard: Tab, then Enter)",
            "headers": ("bucket", "posts", "target posts"),
        },
    )


def _series_lines(
    fig: Any,
    source: Any,
    names: Sequence[str],
    *,
    first_colour: int,
    number: str,
    labels: Sequence[str],
) -> None:
    """Draw series as lines (colour and dash apart), one hover for all, a hiding legend."""
    hover = _bokeh("models").HoverTool
    drawn = [
        fig.line(
            "t",
            name,
            source=source,
            color=_okabe(i + first_colour),
            line_dash=_DASHES[i % len(_DASHES)],
            line_width=1.4,
            legend_label=label,
        )
        for i, (name, label) in enumerate(zip(names, labels, strict=True))
    ]
    fig.add_tools(
        hover(
            renderers=drawn[:1],
            tooltips=[("bucket", "@time"), *[(n, f"@{{{n}}}{{{number}}}") for n in names]],
            mode="vline",
        )
    )
    fig.legend.location = "top_left"
    fig.legend.click_policy = "hide"


def _alerts(record: Any) -> list[dict[str, Any]]:
    """The stage's alerts: early-warning episodes (``episode``/``kind``) or change points."""
    if not record.has("alerts.jsonl"):
        return []
    out = []
    with open(record.file("alerts.jsonl"), encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            a = json.loads(line)
            when = datetime.fromisoformat(str(a["time"]).replace("Z", "+00:00"))
            episode = a.get("episode")
            series = a.get("series")
            if episode is not None:
                what = (
                    f"episode {episode} {a.get('kind', '')}: level {a.get('level')} "
                    f"(baseline {a.get('baseline')})"
                )
            else:
                what = f"{series} {a.get('direction', '')}"
            out.append(
                {
                    "t": when.timestamp() * 1000,
                    "episode": None if episode is None else int(episode),
                    "series": series if isinstance(series, str) else None,
                    "what": what,
                    "detected_at": str(a.get("detected_at")),
                }
            )
    return out


def country_chart(page: PageContext, s: GeographyResult) -> Embed | None:
    """Posts per country as horizontal bars with hover (affected countries highlighted)."""
    if not s.top_countries:
        return None
    bm = _bokeh("models")
    ColumnDataSource = bm.ColumnDataSource
    HoverTool = bm.HoverTool
    figure = _bokeh("plotting").figure

    rows = list(reversed(s.top_countries))
    names = [f"{c.name} ({c.country})" for c in rows]
    source = ColumnDataSource(
        {
            "name": names,
            "posts": [c.posts for c in rows],
            "authors": [c.authors for c in rows],
            "share": [100 * c.share_of_tagged for c in rows],
            "colour": [OKABE_ITO[1] if c.affected else OKABE_ITO[0] for c in rows],
            "hatch": ["/" if c.affected else " " for c in rows],
            "affected": ["yes" if c.affected else "no" for c in rows],
        }
    )
    fig = figure(
        y_range=names,
        height=28 * len(rows) + 80,
        sizing_mode="stretch_width",
        tools="save,reset",
        toolbar_location="right",
        title="Geotagged posts per country (affected regions: vermillion, hatched)",
    )
    fig.hbar(
        y="name",
        right="posts",
        height=0.7,
        source=source,
        color="colour",
        hatch_pattern="hatch",
        hatch_color="#ffffff",
    )
    fig.x_range.start = 0
    fig.xaxis.axis_label = "posts"
    fig.add_tools(
        HoverTool(
            tooltips=[
                ("country", "@name"),
                ("posts", "@posts{0,0}"),
                ("authors", "@authors{0,0}"),
                ("share of geotagged", "@share{0.0}%"),
                ("affected", "@affected"),
            ]
        )
    )
    target = _register(page, "countries", fig)
    top = s.top_countries[0]
    return Embed(
        "chart.html.j2",
        {
            "target": target,
            "title": "Posts per country (interactive)",
            "description": (
                f"Bar chart of the {len(rows)} countries with the most geotagged posts; "
                f"{top.name} leads with {fmt_int(top.posts)} posts "
                f"({100 * top.share_of_tagged:.1f}% of the geotagged). Hover a bar for its "
                "posts, authors and share. The same numbers are in the table above."
            ),
            "rows": (),
            "rows_caption": "",
            "headers": (),
        },
    )


def term_chart(page: PageContext, terms: dict[str, Any]) -> str:
    """The term explorer's scatter (see :mod:`crowdpulse.report.sections.explorer`)."""
    bm = _bokeh("models")
    ColorBar = bm.ColorBar
    ColumnDataSource = bm.ColumnDataSource
    HoverTool = bm.HoverTool
    LinearColorMapper = bm.LinearColorMapper
    figure = _bokeh("plotting").figure

    source = ColumnDataSource(terms, name="explorer-terms")
    # a diverging, colour-blind-safe ramp: vermillion (not solidarity) .. grey .. blue
    palette = (
        "#D55E00", "#E0804A", "#EBA27F", "#F3C4AE", "#DDDDDD",
        "#A9C8E3", "#75A6D2", "#3F86C1", "#0072B2",
    )  # fmt: skip
    limit = max(1.0, float(np.nanmax(np.abs(terms["z"]))) if len(terms["z"]) else 1.0)
    mapper = LinearColorMapper(palette=palette, low=-limit, high=limit)
    fig = figure(
        height=560,
        sizing_mode="stretch_width",
        tools="pan,wheel_zoom,box_zoom,reset,save",
        active_scroll="wheel_zoom",
        x_axis_type="log",
        y_axis_type="log",
        title="Terms by frequency in each class (per 1,000 posts), coloured by association",
        name="explorer",
    )
    dots = fig.scatter(
        "x",
        "y",
        source=source,
        size="size",
        color={"field": "z", "transform": mapper},
        line_color="line",
        line_width="width",
        alpha=0.85,
        name="explorer-dots",
    )
    fig.xaxis.axis_label = "frequency in not-solidarity posts (per 1,000 posts, log)"
    fig.yaxis.axis_label = "frequency in solidarity posts (per 1,000 posts, log)"
    fig.add_tools(
        HoverTool(
            renderers=[dots],
            tooltips=[
                ("term", "@term"),
                ("solidarity posts", "@n_pos{0,0}"),
                ("not solidarity posts", "@n_neg{0,0}"),
                ("log-odds z", "@z{+0.00}"),
            ],
        )
    )
    fig.add_layout(ColorBar(color_mapper=mapper, title="z (+: solidarity)"), "right")
    return _register(page, "explorer", fig)
