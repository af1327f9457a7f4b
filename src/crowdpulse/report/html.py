"""The report page: one self-contained HTML file.

Figures are embedded as ``data:`` URIs (their PNG/SVG files stay in the stage
folders, linked from each caption), the style sheet is inlined, and the page has no
script and loads nothing from the network, so it opens anywhere, offline, from a
mail attachment as well as from the report's folder. Every text that comes from
the data is escaped.

Sections: at a glance (main numbers and the papers' beside them, stage status),
corpus (ingest accounting), solidarity (paper A), geography and emojis (paper B),
firestorm (paper C), provenance (versions, parameters, checksums, artefacts).
"""

from __future__ import annotations

import base64
import html
import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crowdpulse.event import Event
from crowdpulse.report.papers import PAPERS, PaperNumber, paper_number
from crowdpulse.report.stages import ReportOptions

if TYPE_CHECKING:
    from crowdpulse.report.build import ReportResult
    from crowdpulse.report.cache import StageRecord

__all__ = ["Comparison", "comparisons", "png_size", "render_page"]


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _int(value: Any) -> str:
    if value is None:
        return "–"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return _e(value)


def _pct(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * float(value):.{digits}f}%"


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):.{digits}f}"


def _hours(value: Any) -> str:
    if value is None:
        return "–"
    return f"{float(value):+.2f} h"


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    numeric: Sequence[int] = (),
    raw: bool = False,
    row_classes: Sequence[str] | None = None,
    emoji: Sequence[int] = (),
) -> str:
    """An HTML table; cells are escaped unless ``raw`` (then they are HTML already)."""
    head = "".join(
        f'<th class="num">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for r, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            text = str(cell) if raw else _e(cell)
            cls = " ".join(
                c for c in ("num" if i in numeric else "", "emoji" if i in emoji else "") if c
            )
            cells.append(f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>")
        cls = row_classes[r] if row_classes and r < len(row_classes) and row_classes[r] else ""
        attr = f' class="{cls}"' if cls else ""
        body.append(f"<tr{attr}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _notice(text: str, kind: str = "") -> str:
    cls = f"notice {kind}".strip()
    return f'<div class="{cls}">{text}</div>'


def png_size(path: str | Path) -> tuple[int, int] | None:
    """Return a PNG's pixel size from its header, or None when it is not a PNG."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def _link(rel: str, label: str | None = None) -> str:
    return f'<a href="{_e(rel)}">{_e(label or Path(rel).name)}</a>'


def _figure(record: StageRecord, name: str, alt: str, caption: str) -> str:
    """Embed a stage's PNG with links to its PNG/SVG files, or a notice if it is absent."""
    if not record.has(name):
        return _notice(f"Figure not drawn: {_e(alt)}.")
    path = record.file(name)
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    size = png_size(path)
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    stem = Path(name).stem
    links = [
        _link(f"stages/{record.name}/{other}", Path(other).suffix[1:].upper())
        for other in record.outputs
        if Path(other).stem == stem and Path(other).suffix in (".png", ".svg", ".pdf")
    ]
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}"{dims}>'
        f"<figcaption>{caption} Files: {' · '.join(links)}</figcaption></figure>"
    )


def _status(record: StageRecord) -> str:
    return f'<span class="status {record.status}">{record.status}</span>'


def _unavailable(record: StageRecord | None, what: str) -> str | None:
    """A notice when a stage has no outputs, else None."""
    if record is None:
        return _notice(f"{_e(what)}: not part of this report.")
    if record.ok:
        return None
    kind = "bad" if record.status == "failed" else ""
    verb = "failed" if record.status == "failed" else "skipped"
    return _notice(f"<b>{_e(what)} {verb}</b>: {_e(record.reason)}.", kind)


@dataclass(frozen=True)
class Comparison:
    """One of our numbers beside the number a paper reports.

    Attributes:
        number: The paper's number.
        ours: Our value, as printed.
        note: How the two relate (protocol differences, scale only ...).
        section: The page section it belongs to.
    """

    number: PaperNumber
    ours: str
    note: str
    section: str


def comparisons(stages: Mapping[str, StageRecord], options: ReportOptions) -> list[Comparison]:
    """Pair each number the papers report with ours, where the report measured it.

    Args:
        stages: The stage records of a report.
        options: The report's options.

    Returns:
        The comparisons, in page order (those whose stage did not run are left out).
    """
    out: list[Comparison] = []
    labels = stages.get("labels")
    solidarity = stages.get("solidarity")
    firestorm = stages.get("firestorm")
    if labels is not None and labels.ok:
        sheet = labels.summary.get("sheet")
        if sheet is not None:
            out.append(
                Comparison(
                    paper_number("kappa"),
                    _num(sheet.get("kappa"), 3),
                    "Cohen's kappa of the two annotators of this event's hashtag sheet",
                    "solidarity",
                )
            )
        counts = labels.summary.get("counts", {})
        out.append(
            Comparison(
                paper_number("solidarity_tweets"),
                _int(counts.get("solidarity")),
                "posts labelled solidarity; a different corpus, for scale only",
                "solidarity",
            )
        )
    if solidarity is not None and solidarity.ok:
        s = solidarity.summary
        protocol = (
            f"{s.get('folds')}-fold CV, {s.get('balance')}"
            + (" (as the 2015 study)" if s.get("balance") == "undersample" else "")
            + f", on {s.get('n_used'):,} posts"
        )
        out.append(
            Comparison(
                paper_number("svm_mean_accuracy"),
                _pct(s.get("svm_mean_accuracy")),
                f"mean of the three SVMs with emoji features; {protocol}",
                "solidarity",
            )
        )
        lstm = s.get("lstm_accuracy")
        out.append(
            Comparison(
                paper_number("lstm_accuracy"),
                _pct(lstm) if lstm is not None else "not run",
                protocol
                if lstm is not None
                else "the LSTM runs only with --with-lstm (slow on a CPU)",
                "solidarity",
            )
        )
    emojis = stages.get("emojis")
    if emojis is not None and emojis.ok:
        e = emojis.summary
        total = _get(e, "table4", "solidarity", "emojis")
        out.append(
            Comparison(
                paper_number("solidarity_emojis_paris"),
                _int(total),
                "emojis in this event's solidarity posts; a different corpus, for scale only",
                "emojis",
            )
        )
        share = _get(e, "table6", "inside", "share_of_geotagged")
        out.append(
            Comparison(
                paper_number("inside_share_paris"),
                "–" if share is None else f"{float(share):.2f}%",
                "emojis of geotagged solidarity posts from inside the affected regions "
                "(the paper geocoded profiles online with geopy; crowdpulse offline)",
                "emojis",
            )
        )
        minimum = _get(e, "diffusion", "all", "min_count")
        out.append(
            Comparison(
                paper_number("diffusion_min_count"),
                _int(minimum),
                f"the event's [emojis] min_count, per {_get(e, 'diffusion', 'all', 'bucket')} "
                "bucket",
                "emojis",
            )
        )
    if firestorm is not None and firestorm.ok:
        f = firestorm.summary
        truth = f.get("truth", {})
        lexical = (f.get("closest_offsets_hours") or {}).get("lexical", {})
        out.append(
            Comparison(
                paper_number("firestorm_share"),
                _pct(truth.get("firestorm_share")),
                "posts carrying the target, of all posts of the grid",
                "firestorm",
            )
        )
        single = "one event (the paper: mean ± sd over 21 events)"
        for key, ref in (
            ("offset_start", "start"),
            ("offset_peak_in_degree", "peak_in_degree"),
            ("offset_peak_posts", "peak_posts"),
        ):
            out.append(
                Comparison(
                    paper_number(key),
                    _hours(lexical.get(ref)),
                    f"closest streaming change point of a lexical series; {single}",
                    "firestorm",
                )
            )
        out.append(
            Comparison(
                paper_number("detection_delay"),
                "–"
                if f.get("closest_detection_delay_hours") is None
                else f"{f['closest_detection_delay_hours']:.2f} h",
                "from the start to the end of the bucket whose arrival raised the closest alert",
                "firestorm",
            )
        )
        window = (f.get("options") or {}).get("detector_window")
        out.append(
            Comparison(
                paper_number("floats_per_category"),
                _int(window),
                "values per series the streaming detector keeps",
                "firestorm",
            )
        )
    return out


def _comparison_table(items: Sequence[Comparison], *, with_paper: bool = False) -> str:
    headers = ["measure", "this report", "paper reports", "note"]
    rows = []
    for c in items:
        paper = PAPERS[c.number.paper]
        where = f"<br><small>{_e(paper.title)}</small>" if with_paper else ""
        rows.append(
            [
                f"{_e(c.number.what)}{where}",
                f"<b>{_e(c.ours)}</b>",
                f"{_e(c.number.text())}<br><small>“{_e(c.number.quote)}”</small>",
                _e(c.note),
            ]
        )
    return _table(headers, rows, raw=True, row_classes=["paper"] * len(rows))


# ------------------------------------------------------------------------------ page


def _style() -> str:
    return (resources.files("crowdpulse.report") / "templates" / "report.css").read_text(
        encoding="utf-8"
    )


def _header(event: Event, result: ReportResult) -> str:
    env = result.provenance["environment"]
    generated = result.provenance["generated"]
    stages = result.stages
    run = sum(1 for r in stages.values() if r.status == "run")
    cached = sum(1 for r in stages.values() if r.status == "cached")
    return (
        '<header class="top">'
        f"<h1>crowdpulse report: {_e(event.name)}</h1>"
        f"<p>Generated {_e(generated)} by crowdpulse {_e(env['crowdpulse'])} "
        f"(Python {_e(env['python'])}); {run} stage(s) computed, {cached} reused from the "
        "cache.</p>"
        "<p>Solidarity (paper A), emojis and geography (paper B) and online firestorms "
        "(paper C), with the papers' reported numbers beside ours.</p>"
        "</header>"
        '<nav class="toc"><a href="#glance">At a glance</a><a href="#corpus">Corpus</a>'
        '<a href="#solidarity">Solidarity</a><a href="#geography">Geography</a>'
        '<a href="#emojis">Emojis</a><a href="#firestorm">Firestorm</a>'
        '<a href="#provenance">Provenance</a></nav>'
    )


def _glance(result: ReportResult, items: Sequence[Comparison]) -> str:
    counts = result.counts()
    facts = [
        ("records read", _int(counts.get("read"))),
        ("posts kept", _int(counts.get("kept"))),
        ("filtered (all reasons)", _int(counts.get("filtered"))),
        ("quarantined (malformed)", _int(counts.get("quarantined"))),
        ("labelled solidarity", _int(counts.get("solidarity"))),
        ("labelled not solidarity", _int(counts.get("not_solidarity"))),
        ("geotagged posts", _int(counts.get("geotagged"))),
        ("firestorm target posts", _int(counts.get("target_posts"))),
        ("streaming alerts", _int(counts.get("alerts"))),
        ("artefact files", _int(counts.get("artefacts"))),
    ]
    stage_rows = []
    for r in result.stages.values():
        computed = r.manifest.get("seconds")
        stage_rows.append(
            [
                _e(r.title),
                _status(r),
                f"{r.seconds:.2f} s",
                "–" if computed is None else f"{computed:.2f} s",
                f'<span class="mono">{_e(r.key[:12])}</span>' if r.key else "–",
                _e(r.reason or ""),
            ]
        )
    return (
        '<section id="glance"><h2>At a glance</h2>'
        '<p class="lead">The main counts of this run and, below, every number the three papers '
        "report beside ours. Each stage's files are kept in <code>stages/&lt;stage&gt;/</code> "
        "beside this page; a stage is reused when nothing it depends on changed.</p>"
        '<div class="grid2"><div>'
        + _table(["count", "value"], facts, numeric=[1])
        + "</div><div>"
        + _table(
            ["stage", "status", "this run", "computed in", "cache key", "note"],
            stage_rows,
            raw=True,
            numeric=[2, 3],
        )
        + "</div></div><h3>Papers vs this report</h3>"
        + (
            _comparison_table(items, with_paper=True)
            if items
            else _notice("No stage that compares with the papers ran.")
        )
        + "</section>"
    )


def _corpus(result: ReportResult, truth: Mapping[str, Any] | None, event: Event) -> str:
    record = result.stages["ingest"]
    parts = ['<section id="corpus"><h2>Corpus</h2>']
    parts.append(
        '<p class="lead">Ingest reads the event\'s raw files into one normalised corpus. Every '
        "record ends in exactly one place: read = kept + filtered + quarantined. Malformed "
        "records are quarantined with their file, line and reason "
        "(<code>stages/ingest/quarantine.jsonl</code>).</p>"
    )
    missing = _unavailable(record, "Ingest")
    if missing:
        return "".join([*parts, missing, "</section>"])
    s = record.summary
    filtered = s.get("filtered") or {}
    rows = [["read", _int(s.get("read"))], ["kept", _int(s.get("kept"))]]
    rows += [[f"filtered: {reason}", _int(n)] for reason, n in sorted(filtered.items())]
    rows += [["quarantined", _int(s.get("quarantined"))]]
    c = s.get("corpus") or {}
    if c.get("retweets"):
        rows.append(["kept, not retweets", _int((s.get("kept") or 0) - c["retweets"])])
    if s.get("incomplete"):
        rows.append(["kept with a missing expansion (fields left null)", _int(s["incomplete"])])
    if s.get("api_errors"):
        rows.append(["error entries inside API pages", _int(s["api_errors"])])
    planted = _planted_ingest(truth, event)
    headers = ["records", "this report"]
    if planted:
        headers.append("planted (generator's truth)")
        for row in rows:
            row.append(planted.get(row[0], ""))
    parts.append("<h3>Accounting</h3>")
    parts.append(_table(headers, rows, numeric=[1, 2]))
    if planted:
        parts.append(
            "<p><small>Planted counts follow the generator's default filters, which drop "
            "retweets first; where this report keeps retweets, a retweet of another language "
            "or a repeated text counts under that reason here.</small></p>"
        )
    files = s.get("files") or []
    if files:
        parts.append(
            _table(
                ["input file", "format", "read", "kept", "filtered", "quarantined"],
                [
                    [
                        f["path"],
                        f["format"],
                        _int(f["read"]),
                        _int(f["kept"]),
                        _int(f["filtered"]),
                        _int(f["quarantined"]),
                    ]
                    for f in files
                ],
                numeric=[2, 3, 4, 5],
            )
        )
    rows = [
        ["posts", _int(c.get("posts"))],
        ["distinct authors", _int(c.get("authors"))],
        ["first post", c.get("first") or "–"],
        ["last post", c.get("last") or "–"],
        ["posts without a time", _int(c.get("without_time"))],
        ["retweets", _int(c.get("retweets"))],
        ["replies", _int(c.get("replies"))],
        ["quotes", _int(c.get("quotes"))],
        ["posts with an author id or handle", _int(c.get("with_author"))],
        ["posts with a profile location", _int(c.get("with_location"))],
        ["posts with coordinates", _int(c.get("with_coordinates"))],
        ["posts with a tagged place", _int(c.get("with_place"))],
    ]
    parts.append("<h3>What the corpus holds</h3>")
    parts.append('<div class="grid2"><div>')
    parts.append(_table(["", "value"], rows, numeric=[1]))
    parts.append("</div><div>")
    languages = c.get("languages") or []
    if languages:
        parts.append(
            _table(
                ["language", "posts"], [[k or "none", _int(n)] for k, n in languages], numeric=[1]
            )
        )
    hashtags = c.get("hashtags") or []
    if hashtags:
        parts.append(
            _table(["hashtag", "posts"], [[f"#{k}", _int(n)] for k, n in hashtags], numeric=[1])
        )
    parts.append("</div></div>")
    if c.get("posts") and not c.get("with_author"):
        parts.append(
            _notice(
                "No post carries an author id or handle (CrisisLexT26, for one, ships only ids, "
                "texts and labels): there are no user networks, and geography has only what "
                "the texts' coordinates or places give.",
                "info",
            )
        )
    parts.append("</section>")
    return "".join(parts)


def _get(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...``, or None where a level is missing or not a dict."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _planted_ingest(truth: Mapping[str, Any] | None, event: Event) -> dict[str, str]:
    ingest = _get(truth, "ingest")
    if not isinstance(ingest, Mapping):
        return {}
    counts = ingest if event.lang else (_get(ingest, "any_lang") or {})
    out = {"quarantined": _int(ingest.get("quarantined"))}
    if counts.get("kept") is not None:
        out["kept, not retweets"] = _int(counts["kept"])
    for reason, n in (counts.get("filtered") or {}).items():
        if reason not in ("retweet", "notice"):
            out[f"filtered: {reason}"] = _int(n)
    for kind in ("delete", "limit"):
        n = _get(truth, "noise", kind)
        if n is not None:
            out[f"filtered: {kind}_notice"] = _int(n)
    return out


# ----------------------------------------------------------------------- solidarity


def _solidarity(
    result: ReportResult,
    items: Sequence[Comparison],
    truth: Mapping[str, Any] | None,
    options: ReportOptions,
) -> str:
    labels = result.stages["labels"]
    solidarity = result.stages["solidarity"]
    parts = ['<section id="solidarity"><h2>Solidarity (paper A)</h2>']
    parts.append(
        '<p class="lead">Original posts (retweets set aside) get a distant label from the '
        "event's hashtag sheet (the hashtags both annotators agree on; posts whose label "
        "hashtags conflict are dropped; the label hashtags are removed from the text) or from "
        "a label column. Linear models are cross-validated on the same folds, with and without "
        "emoji features (RQ1 of the emoji paper); an L2 logistic regression gives the term "
        "weights.</p>"
    )
    missing = _unavailable(labels, "Labelling")
    if missing:
        return "".join([*parts, missing, "</section>"])
    s = labels.summary
    counts = s.get("counts", {})
    rows = [
        ["solidarity", _int(counts.get("solidarity"))],
        ["not solidarity", _int(counts.get("not_solidarity"))],
        ["conflicting (dropped)", _int(counts.get("conflicting"))],
        ["no label", _int(counts.get("unlabelled"))],
        ["retweets set aside", _int(s.get("retweets_set_aside"))],
    ]
    headers = ["original posts", "this report"]
    planted = (truth or {}).get("solidarity", {}) if isinstance(truth, Mapping) else {}
    planted_counts = planted.get("counts") if isinstance(planted, dict) else None
    if isinstance(planted_counts, dict):
        headers.append("planted (generator's truth)")
        values = [
            planted_counts.get("solidarity"),
            planted_counts.get("not solidarity"),
            planted_counts.get("conflicting"),
            planted_counts.get("unlabelled"),
            None,
        ]
        for row, value in zip(rows, values, strict=True):
            row.append(_int(value) if value is not None else "")
    parts.append("<h3>Labels</h3>")
    parts.append('<div class="grid2"><div>')
    parts.append(_table(headers, rows, numeric=[1, 2]))
    parts.append("</div><div>")
    sheet = s.get("sheet")
    if sheet:
        per_label = sheet.get("hashtags", {})
        lex = sheet.get("lexicon", {})
        parts.append(
            _table(
                ["hashtag sheet", "value"],
                [
                    ["Cohen's kappa (two annotators)", _num(sheet.get("kappa"), 3)],
                    ["rows", _int(sheet.get("rows"))],
                    *[[f"final label: {k}", _int(v)] for k, v in per_label.items()],
                    ["label hashtags: solidarity", _int(lex.get("solidarity"))],
                    ["label hashtags: not solidarity", _int(lex.get("not solidarity"))],
                    [
                        "hashtags with conflicting rows (left out)",
                        _int(sheet.get("inconsistent_hashtags")),
                    ],
                ],
                numeric=[1],
            )
        )
    label_values = s.get("values")
    if label_values:
        parts.append(
            _table(
                ["label value", "posts", "counts as"],
                [[v["value"], _int(v["posts"]), v["means"]] for v in label_values],
                numeric=[1],
            )
        )
    parts.append("</div></div>")
    top = s.get("top_hashtags")
    if top:
        parts.append("<h3>Most used label hashtags</h3>")
        parts.append(
            _table(
                ["hashtag", "label", "posts"],
                [[f"#{t['hashtag']}", t["label"], _int(t["posts"])] for t in top],
                numeric=[2],
            )
        )
    parts.append("<h3>Cross-validation</h3>")
    missing = _unavailable(solidarity, "Cross-validation")
    if missing:
        parts.append(missing)
    else:
        cv = solidarity.summary
        balance = cv.get("balance")
        how = {
            "undersample": "every class cut to the smallest one's size (seeded), as the 2015 "
            "study's balanced sets",
            "class-weight": "class weights (the 2018 study)",
            "none": "no class balancing",
        }.get(str(balance), str(balance))
        parts.append(
            f"<p>{_int(cv.get('folds'))}-fold stratified cross-validation (seed "
            f"{options.seed}) on {_int(cv.get('n_used'))} of {_int(cv.get('n_posts'))} labelled "
            f"posts; balancing: {_e(how)}. Accuracy and macro-F1: mean ± sd over the folds.</p>"
        )
        rows = []
        for m in cv.get("models", []):
            rows.append(
                [
                    m["model"],
                    "yes" if m["emojis"] else "no",
                    f"{_pct(m['accuracy'])} ± {_pct(m['accuracy_sd'])}",
                    f"{_pct(m['macro_f1'])} ± {_pct(m['macro_f1_sd'])}",
                    _pct(m.get("solidarity_precision")),
                    _pct(m.get("solidarity_recall")),
                    f"{m['seconds']:.1f} s",
                ]
            )
        parts.append(
            _table(
                [
                    "model",
                    "emojis",
                    "accuracy",
                    "macro-F1",
                    "solidarity precision",
                    "solidarity recall",
                    "fit time",
                ],
                rows,
                numeric=[2, 3, 4, 5, 6],
            )
        )
        ablation = _ablation(cv.get("models", []))
        if ablation:
            parts.append(f"<p>Emoji ablation: {ablation}</p>")
        parts.append(
            "<p>Files: "
            + " · ".join(
                _link(f"stages/solidarity/{n}")
                for n in ("cv_results.csv", "cv_results.json", "cv_folds.csv", "term_weights.csv")
                if solidarity.has(n)
            )
            + "</p>"
        )
        parts.append(_comparison_table([c for c in items if c.section == "solidarity"]))
        parts.append("<h3>Term weights</h3>")
        top_terms = cv.get("top_terms") or {}
        if top_terms.get("positive"):
            parts.append(
                "<p>Terms pulling hardest towards solidarity: "
                + ", ".join(f"<b>{_e(t)}</b>" for t in top_terms["positive"])
                + "; towards not solidarity: "
                + ", ".join(_e(t) for t in top_terms.get("negative", []))
                + ".</p>"
            )
        if cv.get("account_terms_left_out"):
            parts.append(
                f"<p><small>{_int(cv['account_terms_left_out'])} account name(s) (@...) among "
                "the top terms are left out of the list, the figure and "
                "<code>term_weights.csv</code>: the page shows no user names.</small></p>"
            )
        parts.append(
            _figure(
                solidarity,
                "term_weights.png",
                "term weights",
                "L2-penalised logistic regression (word TF-IDF, class weights) fitted on all "
                "labelled posts: the terms with the largest coefficients for solidarity (right) "
                "and for not solidarity (left), as the 2015 paper's Figure 1.",
            )
        )
    parts.append("</section>")
    return "".join(parts)


def _ablation(models: Sequence[Mapping[str, Any]]) -> str:
    with_e = {m["model"]: m["accuracy"] for m in models if m["emojis"]}
    without = {m["model"]: m["accuracy"] for m in models if not m["emojis"]}
    pairs = [
        f"{_e(name)} {100 * (with_e[name] - without[name]):+.2f} points"
        for name in with_e
        if name in without and with_e[name] is not None and without[name] is not None
    ]
    if not pairs:
        return ""
    return "accuracy with emojis minus without: " + "; ".join(pairs) + "."


# ------------------------------------------------------------------------ geography


def _geography(result: ReportResult) -> str:
    record = result.stages["geography"]
    parts = ['<section id="geography"><h2>Geography (paper B: B4, B5)</h2>']
    parts.append(
        '<p class="lead">Each post gets a country offline, in order of trust: from its '
        "coordinates, from the platform's place tag, else from the author's free-text profile "
        "location (each distinct location geocoded once). The emoji paper used geopy, an online "
        "geocoder; crowdpulse ships its gazetteers, so nothing is fetched.</p>"
    )
    missing = _unavailable(record, "Geography")
    if missing:
        return "".join([*parts, missing, "</section>"])
    s = record.summary
    by_source = s.get("by_source", {})
    present = s.get("inputs_present", {})
    posts = s.get("posts") or 0
    tagged = s.get("tagged") or 0
    regions = s.get("regions", {})
    affected = ", ".join(s.get("affected") or []) or "none listed"
    rows = [
        ["posts", _int(posts)],
        ["with a country", f"{_int(tagged)} ({_pct(tagged / posts if posts else None, 1)})"],
        *[[f"  from {k}", _int(v)] for k, v in by_source.items()],
        ["distinct profile locations", _int(s.get("unique_locations"))],
        [f"inside the affected regions ({affected})", _int(regions.get("inside"))],
        ["outside", _int(regions.get("outside"))],
        ["place unknown", _int(regions.get("unknown"))],
    ]
    parts.append('<div class="grid2"><div>')
    parts.append(_table(["", "posts"], rows, numeric=[1]))
    parts.append("</div><div>")
    top = s.get("top_countries") or []
    if top:
        parts.append(
            _table(
                ["country", "posts", "authors", "share", "affected"],
                [
                    [
                        f"{c['name']} ({c['country']})",
                        _int(c["posts"]),
                        _int(c["authors"]),
                        _pct(c["share_of_tagged"], 1),
                        "yes" if c["affected"] else "",
                    ]
                    for c in top
                ],
                numeric=[1, 2, 3],
            )
        )
    parts.append("</div></div>")
    if not tagged:
        have = [k.replace("_", " ") for k, v in present.items() if v]
        reason = (
            "the corpus has no coordinates, place tags or profile locations"
            if not have
            else "none of its " + ", ".join(have) + " could be placed"
        )
        parts.append(
            _notice(
                f"<b>No post could be placed</b>: {_e(reason)}. Table 6 and the co-occurrence "
                "networks inside and outside the affected regions are therefore empty.",
                "info",
            )
        )
    else:
        parts.append(
            _figure(
                record,
                "countries.png",
                "posts per country",
                "Posts per country (all kept posts, retweets included), affected regions in red.",
            )
        )
    if not s.get("affected"):
        parts.append(
            _notice(
                "The event lists no <code>affected_countries</code>: every geotagged post counts "
                "as outside."
            )
        )
    parts.append(
        "<p>Files: "
        + " · ".join(
            _link(f"stages/geography/{n}")
            for n in ("countries.csv", "geo_sources.csv", "us_states.csv", "geo.parquet")
            if record.has(n)
        )
        + "</p></section>"
    )
    return "".join(parts)


# --------------------------------------------------------------------------- emojis


def _ranked(items: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    return [
        [
            r["rank"],
            r["emoji"],
            r.get("name") or "",
            _int(r["count"]),
            _num(r.get("sentiment"), 3),
        ]
        for r in items
    ]


def _emojis(
    result: ReportResult, paper_items: Sequence[Comparison], truth: Mapping[str, Any] | None
) -> str:
    record = result.stages["emojis"]
    parts = ['<section id="emojis"><h2>Emojis of solidarity (paper B)</h2>']
    parts.append(
        '<p class="lead">The emoji paper\'s tables for this event: posts per class (Table 1), '
        "emoji totals (Table 4), the top emojis per class (Table 5), emojis of solidarity posts "
        "inside vs outside the affected regions (Table 6), co-occurrence networks (Figures 1-4) "
        "and temporal diffusion ordered by the Emoji Sentiment Ranking (Figures 5-8). The paper's "
        "tables are not in its text; the numbers its text states stand beside ours below "
        "Table 6.</p>"
    )
    missing = _unavailable(record, "Emoji analyses")
    if missing:
        return "".join([*parts, missing, "</section>"])
    s = record.summary
    t1 = s.get("table1", {})
    t4 = s.get("table4", {})
    parts.append('<div class="grid2"><div><h3>Table 1. Posts per class</h3>')
    parts.append(
        _table(
            ["class", "posts"],
            [[k, _int(v)] for k, v in t1.items()],
            numeric=[1],
        )
    )
    parts.append("</div><div><h3>Table 4. Emojis per class</h3>")
    planted = _get(truth, "solidarity", "emojis")
    headers = ["class", "posts", "with emojis", "emojis", "distinct"]
    rows = [
        [
            k,
            _int(v.get("posts")),
            _int(v.get("posts_with_emojis")),
            _int(v.get("emojis")),
            _int(v.get("distinct_emojis")),
        ]
        for k, v in t4.items()
    ]
    if isinstance(planted, Mapping):
        headers.append("planted emojis")
        for row in rows:
            row.append(_int(_get(planted, str(row[0]), "total")))
    parts.append(_table(headers, rows, numeric=[1, 2, 3, 4, 5]))
    parts.append("</div></div>")
    t5 = s.get("table5", {})
    parts.append("<h3>Table 5. Most frequent emojis per class</h3>")
    parts.append('<div class="grid2">')
    for cls, items in t5.items():
        parts.append(f"<div><p><b>{_e(cls)}</b></p>")
        if items:
            rows = _ranked(items)
            headers = ["rank", "emoji", "name", "count", "sentiment"]
            counts = _get(planted, cls, "counts")
            if isinstance(counts, Mapping):
                headers.append("planted")
                for row, item in zip(rows, items, strict=True):
                    row.append(_int(counts.get(item["emoji"], 0)))
            parts.append(_table(headers, rows, numeric=[0, 3, 4, 5], emoji=[1]))
        else:
            parts.append(_notice("No emoji in these posts."))
        parts.append("</div>")
    parts.append("</div>")
    t6 = s.get("table6", {})
    parts.append("<h3>Table 6. Emojis of solidarity posts by region</h3>")
    headers = ["group", "posts", "with emojis", "emojis", "distinct", "share of geotagged"]
    rows = [
        [
            g,
            _int(v.get("posts")),
            _int(v.get("posts_with_emojis")),
            _int(v.get("emojis")),
            _int(v.get("distinct_emojis")),
            "–"
            if v.get("share_of_geotagged") is None
            else f"{float(v['share_of_geotagged']):.1f}%",
        ]
        for g, v in t6.items()
    ]
    by_region = _get(truth, "geo", "solidarity_emojis_by_region")
    if isinstance(by_region, Mapping):
        headers += ["planted posts", "planted emojis"]
        for row in rows:
            row.append(_int(_get(by_region, str(row[0]), "posts")))
            row.append(_int(_get(by_region, str(row[0]), "total")))
    parts.append(_table(headers, rows, numeric=[1, 2, 3, 4, 5, 6, 7]))
    inside = (t6.get("inside") or {}).get("posts_with_emojis") or 0
    outside = (t6.get("outside") or {}).get("posts_with_emojis") or 0
    if not inside and not outside:
        parts.append(
            _notice(
                "No solidarity post with emojis has a known place: the inside/outside "
                "comparison and its networks are empty for this corpus.",
                "info",
            )
        )
    emoji_items = [c for c in paper_items if c.section == "emojis"]
    if emoji_items:
        parts.append(_comparison_table(emoji_items))
    networks = s.get("networks", {})
    parts.append("<h3>Co-occurrence networks of solidarity emojis (Figures 1-4)</h3>")
    rows = []
    for group, n in networks.items():
        pairs = " ".join(
            f"{p['source']}{p['target']} ({_num(p['weight'], 0)})"
            for p in n.get("top_pairs", [])[:5]
        )
        central = " ".join(c["emoji"] for c in n.get("central", [])[:5])
        rows.append(
            [
                group,
                _int(n.get("nodes")),
                _int(n.get("edges")),
                _int(len(n.get("components", []))),
                pairs or "–",
                central or "–",
            ]
        )
    parts.append(
        _table(
            ["group", "emojis", "pairs", "components", "top pairs (posts)", "central"],
            rows,
            numeric=[1, 2, 3],
        )
    )
    parts.append('<div class="grid2">')
    for group in ("inside", "outside"):
        parts.append("<div>")
        if not _get(networks, group, "nodes"):
            parts.append(
                _notice(
                    f"No emojis co-occur in solidarity posts {group} the affected regions: "
                    "no network to draw.",
                    "info",
                )
            )
        else:
            parts.append(
                _figure(
                    record,
                    f"cooccurrence_{group}.png",
                    f"co-occurrence network {group}",
                    f"Emojis co-occurring in solidarity posts {group} the affected regions "
                    "(force-directed layout; edge width: posts with both; the strongest emojis "
                    "drawn). Full network: "
                    + _link(f"stages/emojis/cooccurrence_{group}.gexf", "GEXF")
                    + ".",
                )
            )
        parts.append("</div>")
    parts.append("</div>")
    diffusion = s.get("diffusion", {})
    parts.append("<h3>Temporal diffusion (Figures 5-8)</h3>")
    parts.append(
        _table(
            ["group", "bucket", "min count", "buckets", "emojis shown", "undated posts"],
            [
                [
                    g,
                    d.get("bucket"),
                    _int(d.get("min_count")),
                    _int(d.get("buckets")),
                    _int(len(d.get("emojis", []))),
                    _int(d.get("undated_posts")),
                ]
                for g, d in diffusion.items()
            ],
            numeric=[2, 3, 4, 5],
        )
    )
    for group in ("all", "inside", "outside"):
        where = {"all": "all solidarity posts", "inside": "inside", "outside": "outside"}[group]
        if not _get(diffusion, group, "emojis"):
            minimum = _get(diffusion, group, "min_count")
            parts.append(
                _notice(
                    f"Diffusion ({_e(where)}): no emoji reaches the minimum count of "
                    f"{_int(minimum)} in a bucket (the event's <code>[emojis] min_count</code>); "
                    "nothing to draw.",
                    "info",
                )
            )
            continue
        parts.append(
            _figure(
                record,
                f"diffusion_{group}.png",
                f"diffusion {group}",
                f"Emojis of solidarity posts per bucket ({_e(where)}"
                + ("" if group == "all" else " the affected regions")
                + "), emojis ordered by sentiment score; cells under the minimum count left out.",
            )
        )
    glyphs = s.get("glyphs") or []
    if glyphs and any(g != "colour" for g in glyphs):
        parts.append(
            _notice(
                "No colour emoji font was found: figures write emoji names instead of glyphs "
                "(install <code>fonts-noto-color-emoji</code>)."
            )
        )
    csvs = [n for n in record.outputs if n.endswith((".csv", ".md", ".gexf", ".graphml"))]
    parts.append(
        "<p>Files: " + " · ".join(_link(f"stages/emojis/{n}") for n in csvs) + "</p></section>"
    )
    return "".join(parts)


# ------------------------------------------------------------------------ firestorm


def _firestorm(
    result: ReportResult, items: Sequence[Comparison], truth: Mapping[str, Any] | None
) -> str:
    record = result.stages["firestorm"]
    parts = ['<section id="firestorm"><h2>Online firestorm (paper C)</h2>']
    parts.append(
        '<p class="lead">Posts are cut into buckets (30 minutes by default). Per bucket: the '
        "lexical categories' means over all posts and over mention posts, the post counts and "
        "the metrics of the mention network of the last 12 hours. Each series goes, bucket "
        "by bucket, into the streaming detector (PELT on the last 49 values, penalty by the "
        "elbow rule over 2..10); an alert names the change point it found. The ground truth: "
        "start = first bucket in which the target is the most frequent mention or hashtag; "
        "peaks = highest max in-degree, most target posts.</p>"
    )
    missing = _unavailable(record, "Firestorm detection")
    if missing:
        return "".join([*parts, missing, "</section>"])
    s = record.summary
    t = s.get("truth", {})
    planted = (truth or {}).get("firestorm") if isinstance(truth, Mapping) else None
    rows: list[list[Any]] = [
        ["target", s.get("target"), ""],
        ["buckets", _int(t.get("buckets")), ""],
        ["posts", _int(t.get("posts")), ""],
        ["target posts", _int(t.get("target_posts")), ""],
        ["start", t.get("start") or "–", ""],
        ["peak of the max in-degree", t.get("peak_in_degree") or "–", ""],
        ["peak of target posts", t.get("peak_posts") or "–", ""],
    ]
    headers = ["ground truth", "measured", "planted (generator's truth)"]
    if isinstance(planted, dict):
        rows[0][2] = planted.get("target", "")
        rows[3][2] = _int(planted.get("target_mentions"))
        rows[4][2] = planted.get("start", "")
        rows[6][2] = _planted_time(planted, "peak_bucket_target_mentions")
    else:
        headers = headers[:2]
        rows = [r[:2] for r in rows]
    parts.append(_table(headers, rows))
    evaluations = s.get("evaluations", [])
    erows = []
    for ev in evaluations:
        closest = ev.get("closest", {})
        erows.append(
            [
                ev.get("mode"),
                ev.get("group"),
                _hours((closest.get("start") or {}).get("offset_hours")),
                _hours((closest.get("peak_in_degree") or {}).get("offset_hours")),
                _hours((closest.get("peak_posts") or {}).get("offset_hours")),
                _int(ev.get("changepoints")),
                _num(ev.get("changepoints_per_day"), 1),
                "–"
                if ev.get("control_abs_offset_hours") is None
                else f"{ev['control_abs_offset_hours']:.2f} h",
            ]
        )
    parts.append(
        _table(
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
            erows,
            numeric=[2, 3, 4, 5, 6, 7],
        )
    )
    parts.append(
        "<p>Offsets of the closest change point to each reference (negative: before it). "
        "<i>Control distance</i>: the mean distance from the closest change point to the "
        "start's time of day 1, 2 and 3 days earlier; when it is about as small as the offset "
        "to the start, change points are so dense that the offsets say little.</p>"
    )
    dense = _dense_note(evaluations)
    if dense:
        parts.append(_notice(dense))
    found = s.get("found")
    parts.append(
        _notice(
            f"Found (an upward alert of the target's post count or of the max in-degree within "
            f"one bucket of the start): <b>{'yes' if found else 'no'}</b>. First alert after "
            f"the start: {_e(_hours(s.get('first_alert_delay_hours')))}; streaming alerts in all: "
            f"{_int(s.get('alerts'))}; series that gave the change point closest to the start: "
            f"{_e(', '.join(s.get('closest_series') or []) or '–')}.",
            "info",
        )
    )
    parts.append(_comparison_table([c for c in items if c.section == "firestorm"]))
    if not s.get("max_edges"):
        parts.append(
            _notice(
                "<b>The mention network is empty</b>: no post names both its author and a "
                "mentioned account (the corpus carries no author ids or handles, or no mentions). "
                "The network series are flat and only the lexical series can change.",
                "info",
            )
        )
    for note in s.get("notes") or []:
        parts.append(_notice(_e(note)))
    for name, alt, caption in (
        (
            "figure1_posts.png",
            "Figure 1",
            "Figure 1: posts per bucket and the share that carry the target.",
        ),
        (
            "figure2_window_metrics.png",
            "Figure 2",
            "Figure 2: the mention network's metrics per 12-hour window; the line marks the start.",
        ),
        (
            "figure3_max_in_degree.png",
            "Figure 3",
            "Figure 3: maximum in-degree of the mention network over time.",
        ),
        (
            "figure4_classes.png",
            "Figure 4",
            "Figure 4 for this event: categories used more or less by the firestorm posts than "
            "in the week before (Welch t-test, p < 0.01), over all posts and mention posts.",
        ),
        (
            "figure5_category.png",
            "Figure 5",
            "Figure 5: the lexical series that gave the change point closest to the start, its "
            "offline change points and streaming alerts, over the target's posts.",
        ),
        (
            "figure6_overview.png",
            "Figure 6",
            "Figure 6: the alerts of that series against the target's posts and the ground truth.",
        ),
    ):
        parts.append(_figure(record, name, alt, caption))
    files = [
        n
        for n in record.outputs
        if n.endswith((".csv", ".jsonl", ".json", ".gexf")) and n != "manifest.json"
    ]
    parts.append("<p>Files: " + " · ".join(_link(f"stages/firestorm/{n}") for n in files) + "</p>")
    parts.append("</section>")
    return "".join(parts)


def _planted_time(planted: Mapping[str, Any], key: str) -> str:
    """The time of a planted bucket (``start`` + buckets since ``start_bucket``)."""
    from datetime import datetime, timedelta

    try:
        start = datetime.fromisoformat(str(planted["start"]).replace("Z", "+00:00"))
        buckets = int(planted[key]) - int(planted["start_bucket"])
        minutes = int(planted.get("bucket_minutes") or 30)
    except (KeyError, TypeError, ValueError):
        return ""
    moment = start + timedelta(minutes=minutes * buckets)
    return moment.isoformat().replace("+00:00", "Z")


def _dense_note(evaluations: Sequence[Mapping[str, Any]]) -> str | None:
    """A warning when the streaming lexical change points lie as near any time as the start."""
    for ev in evaluations:
        if ev.get("mode") != "stream" or ev.get("group") != "lexical":
            continue
        control = ev.get("control_abs_offset_hours")
        offset = _get(ev, "closest", "start", "offset_hours")
        step = (ev.get("bucket_minutes") or 30) / 60.0
        if control is None or offset is None or control > abs(offset) + step:
            return None
        return (
            f"<b>Dense change points</b>: the lexical series raise "
            f"{_num(ev.get('changepoints_per_day'), 1)} change points a day, and the closest "
            f"one lies as near ordinary times of day (control distance {control:.2f} h) as "
            f"near the start ({abs(offset):.2f} h). Here the offsets to the start and the "
            "peaks do not by themselves show that the firestorm was detected; the found test "
            "and the network series say more."
        )
    return None


# ----------------------------------------------------------------------- provenance


def _provenance(result: ReportResult, options: ReportOptions) -> str:
    p = result.provenance
    env = p["environment"]
    parts = ['<section id="provenance"><h2>Provenance</h2>']
    parts.append(
        '<p class="lead">What produced this page: software versions, the options and each '
        "stage's parameters, the SHA-256 of every input file, and each stage's cache key "
        "(a hash of its inputs' checksums, its parameters, the keys of the stages it reads and "
        "the crowdpulse version). The same is in <code>provenance.json</code>; each stage's "
        "<code>manifest.json</code> also lists the checksum of every file it wrote.</p>"
    )
    if p.get("command"):
        parts.append(f"<p>Command: <code>{_e(p['command'])}</code></p>")
    parts.append('<div class="grid2"><div><h3>Software</h3>')
    rows = [
        ["crowdpulse", env["crowdpulse"]],
        ["Python", f"{env['python']} ({env['implementation']})"],
        ["platform", f"{env['platform']} {env['machine']}"],
    ]
    rows += [[k, v or "not installed"] for k, v in env["libraries"].items()]
    parts.append(_table(["", "version"], rows))
    parts.append("</div><div><h3>Options</h3>")
    parts.append(
        _table(
            ["option", "value"],
            [
                [k, ", ".join(map(str, v)) if isinstance(v, list) else v]
                for k, v in options.to_dict().items()
            ],
        )
    )
    parts.append("</div></div>")
    parts.append("<h3>Input files</h3>")
    parts.append(
        _table(
            ["role", "file", "bytes", "SHA-256"],
            [
                [
                    i["role"],
                    _e(i["path"]),
                    _int(i["bytes"]),
                    f'<span class="mono">{_e(i["sha256"])}</span>',
                ]
                for i in p["inputs"]
            ],
            raw=True,
            numeric=[2],
        )
    )
    parts.append("<h3>Stages</h3>")
    rows = []
    for name, st in p["stages"].items():
        params = "; ".join(
            f"{k}={_e(v if not isinstance(v, list) else ', '.join(map(str, v)))}"
            for k, v in st["params"].items()
        )
        rows.append(
            [
                _e(name),
                f'<span class="status {st["status"]}">{_e(st["status"])}</span>',
                f'<span class="mono">{_e(st["key"] or "–")}</span>',
                params,
                _e(st.get("finished") or ""),
            ]
        )
    parts.append(_table(["stage", "status", "cache key", "parameters", "computed"], rows, raw=True))
    parts.append("<h3>Artefacts</h3>")
    parts.append(
        '<ul class="files">'
        + "".join(f"<li>{_link(rel, rel.removeprefix('stages/'))}</li>" for rel in result.artefacts)
        + "</ul>"
    )
    parts.append("</section>")
    return "".join(parts)


def render_page(
    event: Event,
    options: ReportOptions,
    result: ReportResult,
    *,
    truth: Mapping[str, Any] | None = None,
) -> str:
    """Render the report page.

    Args:
        event: The event.
        options: The report's options.
        result: The stages' records and the provenance.
        truth: A generator's truth (``crowdpulse synth --truth``): planted numbers are
            shown beside the measured ones.

    Returns:
        The HTML document.
    """
    items = comparisons(result.stages, options)
    version = result.provenance["environment"]["crowdpulse"]
    body = [
        _header(event, result),
        "<main>",
        _glance(result, items),
        _corpus(result, truth, event),
        _solidarity(result, items, truth, options),
        _geography(result),
        _emojis(result, items, truth),
        _firestorm(result, items, truth),
        _provenance(result, options),
        "</main>",
        "<footer>crowdpulse: solidarity, emojis, geography and online firestorms in archived "
        "social-media corpora. This page is self-contained: it loads nothing from the network."
        "</footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="crowdpulse {_e(version)}">'
        f"<title>crowdpulse report: {_e(event.name)}</title>"
        f"<style>{_style()}</style></head><body>" + "".join(body) + "</body></html>\n"
    )
