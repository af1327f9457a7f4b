"""Online firestorm (paper C): ground truth, evaluations, the timeline, figures, networks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from crowdpulse.report.blocks import (
    Block,
    Notice,
    Paragraph,
    Section,
    figure,
    fmt_hours,
    fmt_int,
    fmt_num,
    link,
    table,
    unavailable,
)
from crowdpulse.report.results import Evaluation, FirestormStageResult
from crowdpulse.report.sections.context import PageContext, planted

__all__ = ["build"]

LEAD = Markup(
    "Posts are cut into buckets (30 minutes by default). Per bucket: the lexical categories' "
    "means over all posts and over mention posts, the post counts and the metrics of the "
    "mention network of the last 12 hours. Each series goes, bucket by bucket, into the "
    "streaming detector (PELT on the last 49 values, penalty by the elbow rule over 2..10); an "
    "alert names the change point it found. The ground truth: start = first bucket in which "
    "the target is the most frequent mention or hashtag; peaks = highest max in-degree, most "
    "target posts."
)


def _planted_time(truth: Mapping[str, Any], key: str) -> str:
    """The time of a planted bucket (``start`` + buckets since ``start_bucket``)."""
    try:
        start = datetime.fromisoformat(str(truth["start"]).replace("Z", "+00:00"))
        buckets = int(truth[key]) - int(truth["start_bucket"])
        minutes = int(truth.get("bucket_minutes") or 30)
    except (KeyError, TypeError, ValueError):
        return ""
    return (start + timedelta(minutes=minutes * buckets)).isoformat().replace("+00:00", "Z")


def _dense_note(evaluations: Sequence[Evaluation]) -> Markup | None:
    """A warning when the streaming lexical change points lie as near any time as the start."""
    for ev in evaluations:
        if ev.mode != "stream" or ev.group != "lexical":
            continue
        control = ev.control_abs_offset_hours
        offset = ev.offset("start")
        step = ev.bucket_minutes / 60.0
        if control is None or offset is None or control > abs(offset) + step:
            return None
        return Markup(
            "<b>Dense change points</b>: the lexical series raise {} change points a day, and "
            "the closest one lies as near ordinary times of day (control distance {:.2f} h) as "
            "near the start ({:.2f} h). Here the offsets to the start and the peaks do not by "
            "themselves show that the firestorm was detected; the found test and the network "
            "series say more."
        ).format(fmt_num(ev.changepoints_per_day, 1), control, abs(offset))
    return None


_FIGURES = (
    (
        "alert_timeline.png",
        "Early warning: the target's posts per bucket with the alert episodes marked "
        "(open, escalate, close).",
    ),
    ("figure1_posts.png", "Figure 1: posts per bucket and the share that carry the target."),
    (
        "figure2_window_metrics.png",
        "Figure 2: the mention network's metrics per 12-hour window; the line marks the start.",
    ),
    ("figure3_max_in_degree.png", "Figure 3: maximum in-degree of the mention network over time."),
    (
        "figure4_classes.png",
        "Figure 4 for this event: categories used more or less by the firestorm posts than in the "
        "week before (Welch t-test, p < 0.01), over all posts and mention posts.",
    ),
    (
        "figure5_category.png",
        "Figure 5: the lexical series that gave the change point closest to the start, its offline "
        "change points and streaming alerts, over the target's posts.",
    ),
    (
        "figure6_overview.png",
        "Figure 6: the alerts of that series against the target's posts and the ground truth.",
    ),
)


def _alt(name: str, s: FirestormStageResult) -> str:
    """Descriptive alt text of a firestorm figure: what it shows and its main number."""
    t = s.truth
    start = t.start or "no start"
    if name.startswith("figure1"):
        share = "–" if t.firestorm_share is None else f"{100 * t.firestorm_share:.1f}%"
        return (
            f"Line chart of posts per {s.options.bucket_minutes}-minute bucket over "
            f"{fmt_int(t.buckets)} buckets with the share carrying {s.target}: "
            f"{fmt_int(t.target_posts)} target posts ({share} of all), "
            f"most at {t.peak_posts or '–'}."
        )
    if name.startswith("figure2"):
        return (
            "Small multiples of the mention network's metrics (nodes, edges, density, degrees, "
            f"largest component) per window; the firestorm starts at {start}; at most "
            f"{fmt_int(s.max_edges)} edges in a window."
        )
    if name.startswith("figure3"):
        return (
            f"Line chart of the maximum in-degree of the mention network; it peaks at "
            f"{t.peak_in_degree or '–'} (the firestorm starts at {start})."
        )
    if name.startswith("figure4"):
        more = sum(1 for p in s.periods if "more" in p.verdict)
        less = sum(1 for p in s.periods if "less" in p.verdict)
        return (
            "Bar chart of lexical categories used significantly more or less in the firestorm "
            f"posts than in the week before: {more} more, {less} less (over both subsets)."
        )
    if name.startswith("alert_timeline"):
        return (
            f"Line chart of {s.target}'s posts per bucket with {fmt_int(s.episodes)} alert "
            f"episode(s) marked; the first opened at {s.first_open or '–'} "
            f"({fmt_hours(s.first_open_delay_hours)} after the start)."
        )
    if name.startswith("figure5"):
        series = ", ".join(s.closest_series[:1]) or "–"
        return (
            f"Line chart of the lexical series {series}, the one whose change point is "
            f"closest to the start ({start}), with its change points and alerts."
        )
    return (
        f"Overview of the alerts against the target's posts and the ground truth; "
        f"{fmt_int(s.alerts)} streaming alerts in all, first one "
        f"{fmt_hours(s.first_alert_delay_hours)} after the start."
    )


def _early_warning(s: FirestormStageResult) -> Block:
    """The early-warning monitor's episodes: what a person on call would have received."""
    counts = s.episode_alerts
    return table(
        "Early warning: alert episodes for the target (open, escalate, close), as "
        "alerts.jsonl and crowdpulse watch give them",
        ["measure", "value"],
        [
            ["episodes opened", fmt_int(s.episodes)],
            ["escalations", fmt_int(counts.get("escalate", 0))],
            ["closes", fmt_int(counts.get("close", 0))],
            ["first open raised at", s.first_open or "–"],
            ["first open after the ground-truth start", fmt_hours(s.first_open_delay_hours)],
            ["buckets of history that primed the baseline", fmt_int(s.history_buckets)],
            [
                "alerts.jsonl holds",
                "the per-series change points (paper preset)"
                if s.preset == "paper"
                else "the episodes (early-warning preset)",
            ],
        ],
        numeric=[1],
    )


def build(page: PageContext) -> Section:
    """Build the section."""
    from crowdpulse.report.html import comparison_table
    from crowdpulse.report.interactive import timeline

    record = page.record("firestorm")
    title = "Online firestorm (paper C)"
    missing = unavailable(record, "Firestorm detection")
    s = page.typed("firestorm", FirestormStageResult)
    if missing or s is None:
        return Section("firestorm", title, LEAD, (missing or Notice(Markup("")),), nav="Firestorm")
    blocks: list[Block] = []
    t = s.truth
    truth = planted(page.truth, "firestorm")
    rows: list[list[Any]] = [
        ["target", s.target, ""],
        ["buckets", fmt_int(t.buckets), ""],
        ["posts", fmt_int(t.posts), ""],
        ["target posts", fmt_int(t.target_posts), ""],
        ["start", t.start or "–", ""],
        ["peak of the max in-degree", t.peak_in_degree or "–", ""],
        ["peak of target posts", t.peak_posts or "–", ""],
    ]
    headers = ["ground truth", "measured", "planted (generator's truth)"]
    if isinstance(truth, Mapping):
        rows[0][2] = truth.get("target", "")
        rows[3][2] = fmt_int(truth.get("target_mentions"))
        rows[4][2] = truth.get("start", "")
        rows[6][2] = _planted_time(truth, "peak_bucket_target_mentions")
    else:
        headers = headers[:2]
        rows = [r[:2] for r in rows]
    blocks.append(table("The firestorm's ground truth, measured on the corpus", headers, rows))
    chart = timeline(page, s)
    if chart is not None:
        blocks.append(chart)
    blocks.append(_early_warning(s))
    blocks.append(
        table(
            "Offsets of the closest change point to each reference, per mode and series group",
            [
                "mode",
                "series",
                "to start",
                "to in-degree peak",
                "to posts peak",
                "change points",
                "per day",
                "control distance",
            ],
            [
                [
                    ev.mode,
                    ev.group,
                    fmt_hours(ev.offset("start")),
                    fmt_hours(ev.offset("peak_in_degree")),
                    fmt_hours(ev.offset("peak_posts")),
                    fmt_int(ev.changepoints),
                    fmt_num(ev.changepoints_per_day, 1),
                    "–"
                    if ev.control_abs_offset_hours is None
                    else f"{ev.control_abs_offset_hours:.2f} h",
                ]
                for ev in s.evaluations
            ],
            numeric=[2, 3, 4, 5, 6, 7],
        )
    )
    blocks.append(
        Paragraph(
            Markup(
                "Offsets of the closest change point to each reference (negative: before it). "
                "<i>Control distance</i>: the mean distance from the closest change point to the "
                "start's time of day 1, 2 and 3 days earlier; when it is about as small as the "
                "offset to the start, change points are so dense that the offsets say little."
            )
        )
    )
    dense = _dense_note(s.evaluations)
    if dense:
        blocks.append(Notice(dense))
    blocks.append(
        Notice(
            Markup(
                "Found (an upward alert of the target's post count or of the max in-degree within "
                "one bucket of the start): <b>{}</b>. First alert after the start: {}; streaming "
                "alerts in all: {}; series that gave the change point closest to the start: {}."
            ).format(
                "yes" if s.found else "no",
                fmt_hours(s.first_alert_delay_hours),
                fmt_int(s.alerts),
                ", ".join(s.closest_series) or "–",
            ),
            "info",
        )
    )
    blocks.append(comparison_table(page.items("firestorm")))
    if not s.max_edges:
        blocks.append(
            Notice(
                Markup(
                    "<b>The mention network is empty</b>: no post names both its author and a "
                    "mentioned account (the corpus carries no author ids or handles, or no "
                    "mentions). The network series are flat and only the lexical series can change."
                ),
                "info",
            )
        )
    for note in s.notes:
        blocks.append(Notice(Markup("{}").format(note)))
    for name, caption in _FIGURES:
        blocks.append(figure(record, name, _alt(name, s), caption))
    net = s.network_peak
    if net is not None:
        gephi = [
            link(f"stages/firestorm/{n}")
            for n in (
                "mention_network_peak.gexf",
                "mention_network_peak.graphml",
                "retweet_network_peak.gexf",
                "retweet_network_peak.graphml",
            )
            if record.has(n)
        ]
        blocks.append(
            Paragraph(
                Markup(
                    "Networks of the peak window ({} to {}) for Gephi: mention network {} "
                    "accounts and {} links, retweet network {} accounts and {} links; dynamic GEXF "
                    "(nodes and edges carry their time intervals, Gephi's timeline plays them; "
                    "the target is marked) and GraphML: {}."
                ).format(
                    net.start or "–",
                    net.end or "–",
                    fmt_int(net.nodes),
                    fmt_int(net.edges),
                    fmt_int(net.retweet_nodes),
                    fmt_int(net.retweet_edges),
                    Markup(" · ").join(gephi),
                )
            )
        )
    names = [
        n
        for n in record.outputs
        if n.endswith((".csv", ".jsonl", ".json")) and n != "manifest.json"
    ]
    blocks.append(
        Paragraph(
            Markup("Files: ") + Markup(" · ").join(link(f"stages/firestorm/{n}") for n in names)
        )
    )
    return Section("firestorm", title, LEAD, tuple(blocks), nav="Firestorm")
