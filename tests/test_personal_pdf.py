"""Take-home PDFs of the personal page: at most two pages per example person, A4 and Letter, readable text with the
counts; without a browser, one line saying how to install one while the HTML is still written."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pypdf  # a dev dependency: reads the PDFs back
import pytest
from typer.testing import CliRunner

import msevidence as mse
from msevidence.answers.personal import personal_answer  # noqa: E402
from msevidence.cli import app
from msevidence.evidence.measurement import load_measurement_store  # noqa: E402
from msevidence.presentation import personal_page  # noqa: E402
from msevidence.reports import load_report_set
from msevidence.reports.html import to_html
from msevidence.reports.pdf import INSTALL_HINT, BrowserMissing, find_browser, print_css, write_pdf

BROWSER = find_browser()
browser = pytest.mark.browser
needs_browser = pytest.mark.skipif(BROWSER is None, reason="headless Chromium not installed (apt-get install -y "
                                                           "chromium)")
EV = mse.load_evidence()
M = load_measurement_store()
RUNS = {r.name: r.parameters for r in load_report_set("default").runs if r.notebook == "personal"}
PAPER_POINTS = {"A4": (595, 842), "Letter": (612, 792)}


def lay_page(parameters: dict, tmp: Path) -> Path:
    """The personal page as the report builds it (headings in Markdown cells, sections as HTML outputs), without a
    kernel: same section functions, same lay conversion and sanitizer."""
    answer = personal_answer(**{k: v for k, v in parameters.items() if k not in ("example", "app")}, evidence=EV, measurement=M)
    cells = [nbformat.v4.new_markdown_cell("# What would Ocrevus mean for me?\n\nAn introduction.")]
    for name in personal_page.SECTIONS:
        cell = nbformat.v4.new_code_cell("page.show(...)")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": block})
                        for block in personal_page.SECTIONS[name](answer)]
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    page = tmp / "page.lay.html"
    page.write_text(to_html(nb, "lay", "personal"), encoding="utf-8")
    return page


def test_print_css_sets_the_paper_and_prints_only_take_home_parts():
    css = print_css("letter")
    assert "size: letter" in css and ":has(.take-home)" in css and "details" in css
    assert "size: A4" in print_css("A4")


def test_without_a_browser_the_error_is_one_line_saying_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("MSEVIDENCE_CHROMIUM", str(tmp_path / "no-such-browser"))
    page = tmp_path / "x.lay.html"
    page.write_text("<html><head></head><body><p>hello</p></body></html>")
    with pytest.raises(BrowserMissing) as exc:
        write_pdf(page)
    assert str(exc.value) == INSTALL_HINT and "\n" not in INSTALL_HINT and "apt-get install -y chromium" in INSTALL_HINT
    assert not (tmp_path / "x.lay.pdf").exists()


@browser
@needs_browser
@pytest.mark.parametrize("name", sorted(RUNS))
def test_take_home_pdf_has_at_most_two_pages_and_the_counts(name, tmp_path):
    page = lay_page(RUNS[name], tmp_path)
    answer = personal_answer(**{k: v for k, v in RUNS[name].items() if k not in ("example", "app")}, evidence=EV, measurement=M)
    first = answer.outcomes[0]
    for paper, (w, h) in PAPER_POINTS.items():
        pdf = write_pdf(page, tmp_path / f"{name}.{paper}.pdf", paper=paper)
        reader = pypdf.PdfReader(pdf)
        assert 1 <= len(reader.pages) <= 2, f"{name} {paper}: {len(reader.pages)} pages"
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (w, h)
        text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
        assert "What would Ocrevus mean for me?" in text
        assert f"{first.counts.without} of 100" in text and f"{first.counts.with_} of 100" in text
        assert "Questions to take to your neurologist" in text
        assert "How these numbers were worked out" not in text  # the collapsed method section is not printed
        if answer.walk:
            assert f"{answer.walk.band_low_s:.1f} to {answer.walk.band_high_s:.1f} seconds" in text


TINY = """\
# %% tags=["parameters"]
value: int = 1  # a number to show

# %%
print(f"value is {value}")
"""


@pytest.mark.slow
def test_report_pdf_without_a_browser_still_writes_the_html(tmp_path, monkeypatch):
    import jupytext

    monkeypatch.setenv("MSEVIDENCE_CHROMIUM", str(tmp_path / "no-such-browser"))
    jupytext.write(jupytext.reads(TINY, fmt="py:percent"), tmp_path / "tiny.ipynb")
    (tmp_path / "set.yaml").write_text(f"title: t\nruns:\n  - {{name: page, notebook: {tmp_path / 'tiny.ipynb'}, "
                                       "audience: both}\n")
    res = CliRunner().invoke(app, ["report", "--set", str(tmp_path / "set.yaml"), "--out", str(tmp_path / "out"),
                                   "--workers", "1", "--pdf"])
    assert res.exit_code == 1, res.output
    assert INSTALL_HINT in " ".join(res.output.split())
    set_dir = tmp_path / "out" / "set"
    assert (set_dir / "page.lay.html").is_file() and (set_dir / "page.analyst.html").is_file()
    assert not list(set_dir.glob("*.pdf"))


@browser
@needs_browser
@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_rendered_personal_page_prints_to_at_most_two_pages(name, shipped, tmp_path):
    page = shipped(f"default/{name}").page("lay")  # the session's render of the shipped run (tests/conftest.py)
    assert 1 <= len(pypdf.PdfReader(write_pdf(page, tmp_path / "real.pdf", browser=BROWSER)).pages) <= 2


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_lay_page_passes_the_lay_leak_scan(name, tmp_path):
    from test_lay_pages import leaks, visible_text

    page = lay_page(RUNS[name], tmp_path).read_text(encoding="utf-8")
    assert leaks(page) == []
    shown, collapsed = visible_text(page)
    assert "hazard" not in shown.lower() and "post hoc" not in shown
    assert "Hobart" in shown and "out of 100" in shown.lower()
    assert "rounded half up" in collapsed  # the rule is in the collapsed method section
