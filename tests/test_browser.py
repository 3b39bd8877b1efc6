"""Every shipped page in headless Chromium at 1,280 pixels: every figure loads, no table or figure is wider than
the window, and a screenshot is kept for a human to look at (under the ``pages*`` folder of pytest's basetemp).

The pages are the session's renders of the shipped sets (tests/conftest.py), one test per run.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import SHIPPED, shipped_params

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed (apt-get install -y chromium)"),
]
WIDTH = 1280
OVERVIEW = next(s for s in SHIPPED if s.notebook == "evidence_overview")
MIN_FIGURES = {"progression_vs_walking": 2, "evidence_overview": 1}  # figures on the lay page, at least
# Appended to a copy of the page: after load, write into the DOM how many images there are and how many decoded
# (naturalWidth > 0), and every table, figure or image whose right edge passes the window's width (or a table
# wider than its own box), as "TAG#index:width".
PROBE = """<script>window.addEventListener("load", () => {
  const imgs = [...document.images];
  document.body.setAttribute("data-images", imgs.length);
  document.body.setAttribute("data-loaded", imgs.filter(i => i.complete && i.naturalWidth > 0).length);
  const w = document.documentElement.clientWidth;
  const bad = [];
  document.querySelectorAll("table, img, svg, figure, pre, .jp-OutputArea-output").forEach((el, i) => {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > w + 1 || el.scrollWidth > el.clientWidth + 1 && el.tagName === "TABLE"))
      bad.push(el.tagName + "#" + i + ":" + Math.round(Math.max(r.right, el.scrollWidth)));
  });
  document.body.setAttribute("data-overflow", bad.join(" ") || "none");
});</script>"""


def chromium(url: str, tmp: Path, *extra: str, tries: int = 2) -> str:
    """Headless Chromium with a profile of its own for each start (a profile reused by the next start can hand
    the page to a browser still shutting down). A browser that has not answered in 60 s (seen once in CI, on a
    page another start had just loaded) is started once more; a second hang fails the test."""
    for attempt in range(tries):
        with tempfile.TemporaryDirectory(dir=tmp, prefix="profile-") as profile:
            cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                   "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000", *extra, url]
            try:
                return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout
            except subprocess.TimeoutExpired:
                if attempt + 1 == tries:
                    raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pages")


def probe(page: Path, tmp: Path, screenshot: Path | None = None) -> dict:
    """Load a copy of `page` (its CSP, which forbids scripts, dropped for the probe) at 1,280 px; one browser
    start gives the DOM and, when asked, the screenshot. Returns images, loaded and the overflowing elements."""
    text = page.read_text(encoding="utf-8")
    copy = tmp / f"probe-{page.parent.name}-{page.name}"
    copy.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text).replace(
        "</body>", PROBE + "</body>"), encoding="utf-8")
    extra = [f"--screenshot={screenshot}", f"--window-size={WIDTH},4000"] if screenshot else \
        [f"--window-size={WIDTH},1000"]
    dom = chromium(copy.as_uri(), tmp, "--dump-dom", *extra)
    found = {k: re.search(rf'data-{k}="([^"]*)"', dom) for k in ("images", "loaded", "overflow")}
    assert all(found.values()), f"{page.name}: the page did not finish loading"
    over = found["overflow"].group(1)
    return {"images": int(found["images"].group(1)), "loaded": int(found["loaded"].group(1)),
            "overflow": [] if over == "none" else over.split()}


def test_the_probe_catches_a_wide_table_and_a_broken_figure(tmp_path):
    png = (Path(__file__).parent / "fixtures" / "one_pixel.png").as_uri()
    wide = tmp_path / "wide.html"
    wide.write_text("<html><body><table><tr><td style='min-width:2000px'>x</td></tr></table></body></html>")
    narrow = tmp_path / "narrow.html"
    narrow.write_text(f"<html><body><table><tr><td>x</td></tr></table><img src='{png}' width='300'>"
                      "<img src='missing.png'></body></html>")
    assert probe(wide, tmp_path)["overflow"]
    assert probe(narrow, tmp_path) == {"images": 2, "loaded": 1, "overflow": []}


def test_index_opens_and_links_every_report(shipped, tmp_path):
    overview = shipped(OVERVIEW)
    top = chromium((overview.folder.parent / "index.html").as_uri(), tmp_path, "--dump-dom")
    assert f'href="{OVERVIEW.set}/index.html"' in top
    dom = chromium((overview.folder / "index.html").as_uri(), tmp_path, "--dump-dom")
    assert 'href="../index.html"' in dom
    for page in overview.pages:
        assert f'href="{page.name}"' in dom
    shot = tmp_path / "index.png"
    chromium((overview.folder / "index.html").as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1200,900")
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("spec", shipped_params())
def test_each_shipped_page_loads_its_figures_fits_1280_pixels_and_is_screenshot(spec, shipped, shots):
    run = shipped(spec)
    assert run.pages, f"{spec.id}: no page rendered"
    for page in run.pages:
        shot = shots / f"{spec.set}-{page.stem}.png"
        seen = probe(page, shots, shot)
        assert seen["loaded"] == seen["images"], f"{page.name}: {seen['images'] - seen['loaded']} figure(s) broken"
        if page.name.endswith(".lay.html"):
            assert seen["images"] >= MIN_FIGURES.get(spec.notebook, 0), (page.name, seen)
        assert not seen["overflow"], f"{page.name}: wider than {WIDTH} px: {seen['overflow']}"
        assert shot.stat().st_size > 10_000


ALIGN = """<script>window.addEventListener("load", () => {
  const cells = [...document.querySelectorAll(".take-home-table th, .take-home-table td")];
  document.body.setAttribute("data-align", [...new Set(cells.map(c => getComputedStyle(c).textAlign))].join(" ") || "none");
});</script>"""


def test_the_take_home_table_reads_from_the_left(shipped, tmp_path):
    """The personal page's summary holds words; the sanitizer strips inline styles, so the head's CSS aligns it."""
    page = shipped(next(s for s in SHIPPED if s.notebook == "personal")).page("lay")
    copy = tmp_path / "align.html"
    copy.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text(encoding="utf-8"))
                    .replace("</body>", ALIGN + "</body>"), encoding="utf-8")
    dom = chromium(copy.as_uri(), tmp_path, "--dump-dom", f"--window-size={WIDTH},1000")
    assert re.search(r'data-align="([^"]*)"', dom).group(1) == "left"
