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
    match = re.search(r'<pre id="crowdpulse-check">(.*?)</pre>', run.stdout, re.S)
    assert match, f"no check output; chromium said: {run.stderr[-2000:]}"
    report = json.loads(
        match.group(1)
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )
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
