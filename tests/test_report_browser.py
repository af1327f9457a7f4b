"""The report page in a real browser: headless Chromium loads every image, logs no error.

Chromium is Debian's package (``scripts/system-deps.sh`` installs it); without it the
test skips. The page is loaded twice, from the report's folder:

1. a copy of the page with a small script first in ``<head>`` that records every
   error (uncaught exceptions, failed resource loads, ``console.error`` /
   ``console.warn``) and, once the page has loaded, writes every image's
   ``naturalWidth`` and the errors into the DOM, which ``--dump-dom`` prints;
   Chromium's own console log (``--enable-logging=stderr``) is scanned too;
2. the page itself, unchanged, for a screenshot.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from crowdpulse.report import ReportResult
from crowdpulse.report.html import png_size
from test_report_pipeline import built  # noqa: F401  (the shared report fixture)

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

CHECK = """<script>
window.__cp = {errors: []};
window.addEventListener('error', function (e) {
  var t = e.target;
  window.__cp.errors.push(t && t !== window && t.tagName
    ? 'failed to load ' + t.tagName + ' ' + String(t.src || t.href).slice(0, 80)
    : 'uncaught: ' + e.message);
}, true);
['error', 'warn'].forEach(function (level) {
  var original = console[level];
  console[level] = function () {
    window.__cp.errors.push('console.' + level + ': ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
});
window.addEventListener('load', function () {
  var images = Array.prototype.map.call(document.images, function (img) {
    return {alt: img.alt, naturalWidth: img.naturalWidth, complete: img.complete};
  });
  var out = document.createElement('pre');
  out.id = 'crowdpulse-check';
  out.textContent = JSON.stringify({images: images, errors: window.__cp.errors});
  document.body.appendChild(out);
});
</script>"""


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _checked(run: subprocess.CompletedProcess[str]) -> dict:
    """The JSON the injected script wrote into ``<pre id="crowdpulse-check">``."""
    match = re.search(r'<pre id="crowdpulse-check">(.*?)</pre>', run.stdout, re.S)
    assert match, f"no check output; chromium said: {run.stderr[-2000:]}"
    return json.loads(
        match.group(1)
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/system-deps.sh)")
def test_page_loads_every_image_without_console_errors(
    built: tuple[Path, ReportResult],  # noqa: F811
    tmp_path: Path,
) -> None:
    _, result = built
    page = result.page.read_text(encoding="utf-8")
    expected = page.count("<img ")
    assert expected >= 10
    checked = result.out_dir / f"check-{tmp_path.name}.html"
    checked.write_text(page.replace("<head>", "<head>" + CHECK, 1), encoding="utf-8")
    try:
        run = _chromium(
            [
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=15000",
                "--dump-dom",
                checked.as_uri(),
            ],
            tmp_path / "profile-dom",
        )
    finally:
        checked.unlink()
    report = _checked(run)
    images = report["images"]
    assert len(images) == expected
    broken = [i["alt"] for i in images if not i["complete"] or i["naturalWidth"] <= 0]
    assert broken == []
    assert report["errors"] == []
    console = [
        line
        for line in run.stderr.splitlines()
        if "CONSOLE" in line or "Uncaught" in line or "Refused to" in line
    ]
    assert console == []


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/system-deps.sh)")
def test_page_screenshot(built: tuple[Path, ReportResult], tmp_path: Path) -> None:  # noqa: F811
    _, result = built
    shot = tmp_path / "report.png"
    run = _chromium(
        [
            "--window-size=1280,2000",
            "--virtual-time-budget=15000",
            f"--screenshot={shot}",
            result.page.as_uri(),
        ],
        tmp_path / "profile-shot",
    )
    assert shot.is_file(), run.stderr[-2000:]
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
    assert png_size(shot) == (1280, 2000)


INTERACT = """<script>
window.__cp = {errors: []};
window.addEventListener('error', function (e) {
  window.__cp.errors.push('uncaught: ' + (e.message || (e.target && e.target.tagName)));
}, true);
['error', 'warn'].forEach(function (level) {
  var original = console[level];
  console[level] = function () {
    window.__cp.errors.push('console.' + level + ': ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
});
window.addEventListener('load', function () { setTimeout(function () {
  var out = {errors: window.__cp.errors};
  // sorting: the first sortable table with a numeric column, ascending then descending
  var th = document.querySelector('table.sortable th[data-type="num"]');
  var table = th.closest('table');
  var col = th.cellIndex;
  function values() {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
      return parseFloat(r.cells[col].getAttribute('data-sort'));
    });
  }
  th.querySelector('button').click();
  out.ascending = values();
  out.ariaSort = th.getAttribute('aria-sort');
  th.querySelector('button').click();
  out.descending = values();
  // filtering
  var input = document.querySelector('input[data-filter]');
  var ftable = input.closest('.table-wrap').querySelector('table');
  var first = ftable.tBodies[0].rows[0].cells[0].textContent.trim();
  input.value = first;
  input.dispatchEvent(new Event('input'));
  out.filtered = Array.prototype.filter.call(ftable.tBodies[0].rows, function (r) {
    return !r.hidden;
  }).length;
  out.unfiltered = ftable.tBodies[0].rows.length;
  // drill-down from a term row, by keyboard
  var row = document.querySelector('tr[data-drill^="term:"]');
  row.focus();
  row.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
  var panel = document.getElementById('drill');
  out.drillTerm = {shown: !panel.hidden, title: document.getElementById('drill-title').textContent,
                   posts: document.getElementById('drill-posts').children.length,
                   focus: document.activeElement && document.activeElement.id};
  document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}));
  out.drillClosed = panel.hidden;
  // drill-down from an emoji row and from a peak of the timeline
  document.querySelector('tr[data-drill^="emoji:"]').click();
  out.drillEmoji = document.getElementById('drill-posts').children.length;
  out.drillPeak = window.crowdpulseDrill('bucket:' + document.querySelector(
    'tr[data-drill^="bucket:"]').getAttribute('data-drill').split(':')[1]);
  out.drillPeakPosts = document.getElementById('drill-posts').children.length;
  // charts: every placeholder drawn; zooming the timeline moves all its panels
  out.placeholders = document.querySelectorAll('[data-chart]').length;
  out.drawn = Array.prototype.filter.call(document.querySelectorAll('[data-chart]'),
    function (d) { return d.children.length > 0; }).length;
  var plots = [];
  Bokeh.documents.forEach(function (doc) {
    doc._all_models.forEach(function (m) {
      if (m.type === 'Figure' || (m.constructor && m.constructor.__name__ === 'Figure')) {
        plots.push(m);
      }
    });
  });
  var timeline = plots.filter(function (p) { return p.x_scale && p.x_range.type === 'Range1d'
    && p.below.length && p.below[0].type === 'DatetimeAxis'; });
  out.timelinePanels = timeline.length;
  if (timeline.length) {
    var r = timeline[0].x_range, start = r.start, end = r.end;
    r.setv({start: start + (end - start) * 0.4, end: start + (end - start) * 0.6});
    out.zoomed = timeline.every(function (p) {
      return Math.abs(p.x_range.start - (start + (end - start) * 0.4)) < 1;
    });
  }
  out.errors = window.__cp.errors;
  var pre = document.createElement('pre');
  pre.id = 'crowdpulse-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, 1500); });
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/system-deps.sh)")
def test_interactive_tables_charts_and_drill_down(
    built: tuple[Path, ReportResult],  # noqa: F811
    tmp_path: Path,
) -> None:
    _, result = built
    page = result.page.read_text(encoding="utf-8")
    checked = result.out_dir / f"interact-{tmp_path.name}.html"
    checked.write_text(page.replace("<head>", "<head>" + INTERACT, 1), encoding="utf-8")
    try:
        run = _chromium(
            [
                "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: any fetch would fail
                "--virtual-time-budget=20000",
                "--dump-dom",
                checked.as_uri(),
            ],
            tmp_path / "profile-interact",
        )
    finally:
        checked.unlink()
    out = _checked(run)
    assert out["errors"] == []
    assert out["ariaSort"] == "ascending"
    assert out["ascending"] == sorted(out["ascending"])
    assert out["descending"] == sorted(out["descending"], reverse=True)
    assert 1 <= out["filtered"] < out["unfiltered"]
    term = out["drillTerm"]
    assert term["shown"] and term["posts"] >= 1 and term["focus"] == "drill-close"
    assert "Posts with the term" in term["title"]
    assert out["drillClosed"] is True
    assert out["drillEmoji"] >= 1
    assert out["drillPeak"] is True and out["drillPeakPosts"] >= 1
    assert out["placeholders"] == out["drawn"] >= 3
    assert out["timelinePanels"] >= 2 and out["zoomed"] is True
