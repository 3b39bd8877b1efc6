"""Open index.html and a lay report in headless Chromium: every figure loads; a screenshot is kept."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from msevidence import reports

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed (apt-get install -y chromium)"),
]
# Appended to a copy of the page: after load, write how many images decoded (naturalWidth > 0) into the DOM.
PROBE = """<script>window.addEventListener("load", () => {
  const imgs = [...document.images];
  document.body.setAttribute("data-images", imgs.length);
  document.body.setAttribute("data-loaded", imgs.filter(i => i.complete && i.naturalWidth > 0).length);
});</script>"""


def chromium(url: str, tmp: Path, *extra: str) -> str:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp / 'profile'}",
           "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000", *extra, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


def loaded_images(page: Path, tmp: Path) -> tuple[int, int]:
    probe = tmp / f"probe-{page.name}"
    text = page.read_text()
    assert 'http-equiv="Content-Security-Policy"' in text  # the page forbids scripts: the probe copy drops the CSP
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    probe.write_text(text.replace("</body>", PROBE + "</body>"))
    dom = chromium(probe.as_uri(), tmp, "--dump-dom")
    n = re.search(r'data-images="(\d+)"', dom)
    k = re.search(r'data-loaded="(\d+)"', dom)
    assert n and k, "the page did not finish loading"
    return int(n.group(1)), int(k.group(1))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    rs = reports.ReportSet(name="browser", title="Browser test", runs=[
        reports.Run(name="overview", notebook="evidence_overview", audience="lay"),
        reports.Run(name="main", notebook="progression_vs_walking", audience="lay",
                    parameters={"trial": "ORATORIO", "n_per_arm": 60}),
        reports.Run(name="teaching", notebook="teaching", audience="lay",
                    parameters={"trial": "ORATORIO", "sliders": False}),
    ])
    results = reports.render(rs, out=out, workers=2)
    assert all(r.status == "ok" for r in results), [r.error for r in results]
    return out  # the set's pages are in out/browser/, the index of every set is out/index.html


def test_index_opens_and_links_every_report(rendered, tmp_path):
    top = chromium((rendered / "index.html").as_uri(), tmp_path, "--dump-dom")
    assert "Browser test" in top and 'href="browser/index.html"' in top
    dom = chromium((rendered / "browser" / "index.html").as_uri(), tmp_path, "--dump-dom")
    assert "Browser test" in dom and 'href="../index.html"' in dom
    for name in ("overview.lay.html", "main.lay.html"):
        assert f'href="{name}"' in dom and (rendered / "browser" / name).is_file()
    chromium((rendered / "browser" / "index.html").as_uri(), tmp_path, f"--screenshot={tmp_path / 'index.png'}",
             "--window-size=1200,900")
    assert (tmp_path / "index.png").stat().st_size > 10_000


def test_every_figure_of_the_main_report_loads(rendered, tmp_path):
    n, k = loaded_images(rendered / "browser" / "main.lay.html", tmp_path)
    assert n >= 3 and k == n
    n, k = loaded_images(rendered / "browser" / "overview.lay.html", tmp_path)
    assert n >= 1 and k == n


@pytest.mark.parametrize("page", ["main", "overview", "teaching"])
def test_screenshot_of_each_lay_page_is_kept(rendered, page, tmp_path_factory):
    """Full-page screenshots (1200 px wide, as a reader's browser) kept under pytest's tmp dir for a human to
    look at: pytest prints nothing, so find them under the `screenshots*` folder of the basetemp."""
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    shot = shots / f"{page}.lay.png"
    n, k = loaded_images(rendered / "browser" / f"{page}.lay.html", shots)
    assert k == n
    chromium((rendered / "browser" / f"{page}.lay.html").as_uri(), shots, f"--screenshot={shot}", "--window-size=1200,6000")
    assert shot.stat().st_size > 50_000


# -- every shipped page fits a 1,280-pixel window --------------------------------------------------------------
WIDTH = 1280
# Appended to a copy of the page: after load, list every table, figure or image whose right edge passes the
# window's width (or that is wider than its scrolling box), as "TAG#index:width".
OVERFLOW_PROBE = """<script>window.addEventListener("load", () => {
  const w = document.documentElement.clientWidth;
  const bad = [];
  document.querySelectorAll("table, img, svg, figure, pre, .jp-OutputArea-output").forEach((el, i) => {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > w + 1 || el.scrollWidth > el.clientWidth + 1 && el.tagName === "TABLE"))
      bad.push(el.tagName + "#" + i + ":" + Math.round(Math.max(r.right, el.scrollWidth)));
  });
  document.body.setAttribute("data-overflow", bad.join(" ") || "none");
});</script>"""


def overflowing(page: Path, tmp: Path) -> list[str]:
    """Tables and figures of `page` wider than a 1,280-pixel window (empty when everything fits)."""
    probe = tmp / f"overflow-{page.name}"
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text())
    probe.write_text(text.replace("</body>", OVERFLOW_PROBE + "</body>"))
    dom = chromium(probe.as_uri(), tmp, "--dump-dom", f"--window-size={WIDTH},1000")
    found = re.search(r'data-overflow="([^"]*)"', dom)
    assert found, "the page did not finish loading"
    return [] if found.group(1) == "none" else found.group(1).split()


def test_overflow_probe_catches_a_wide_table(tmp_path):
    wide = tmp_path / "wide.html"
    wide.write_text("<html><body><table><tr><td style='min-width:2000px'>x</td></tr></table></body></html>")
    narrow = tmp_path / "narrow.html"
    narrow.write_text("<html><body><table><tr><td>x</td></tr></table><img src='' width='300'></body></html>")
    assert overflowing(wide, tmp_path) and overflowing(narrow, tmp_path) == []


@pytest.fixture(scope="module")
def shipped_pages(tmp_path_factory) -> list[Path]:
    """Every page of every shipped report set (or of the sets already rendered under MSEVIDENCE_PAGES=DIR)."""
    import os

    from msevidence.paths import report_sets_dir

    given = os.environ.get("MSEVIDENCE_PAGES")
    if given:
        root = Path(given)
    else:
        root = tmp_path_factory.mktemp("shipped")
        for path in sorted(report_sets_dir().glob("*.yaml")):
            rs = reports.load_report_set(path)
            results = reports.render(rs, out=root, workers=2)
            assert all(r.status == "ok" for r in results), [(r.name, r.error) for r in results if r.status != "ok"]
    pages = sorted(p for p in root.rglob("*.html") if p.name != "index.html" and ".failed." not in p.name)
    assert pages, f"no page under {root}"
    return pages


def test_every_shipped_page_fits_1280_pixels_and_is_screenshot(shipped_pages, tmp_path_factory):
    """Screenshots of every page (kept under the `pages*` folder of pytest's basetemp for a human to look at);
    fails on any table or figure wider than the window."""
    shots = tmp_path_factory.mktemp("pages")
    problems = {}
    for page in shipped_pages:
        wide = overflowing(page, shots)
        if wide:
            problems[f"{page.parent.name}/{page.name}"] = wide
        shot = shots / f"{page.parent.name}-{page.stem}.png"
        chromium(page.as_uri(), shots, f"--screenshot={shot}", f"--window-size={WIDTH},4000")
        assert shot.stat().st_size > 10_000
    assert not problems, f"tables or figures wider than {WIDTH} px: {problems}"
