"""Take-home PDFs of lay pages: the sanitised HTML with a print stylesheet, printed by headless Chromium.

A page with parts marked ``<div class="take-home">`` (the personal page) prints only those parts and its title;
any other page prints whole, without code, collapsed sections or the browser's header and footer. Paper is A4 or
US Letter. Nothing is downloaded: the browser must already be installed; when it is not, :class:`BrowserMissing`
says in one line how to install it (the HTML pages are written anyway by the report run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from msevidence.errors import MsEvidenceError, OptionError, OutputError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = ("no headless browser to print PDFs: install Chromium (Debian/Ubuntu: apt-get install -y chromium; "
                "or set MSEVIDENCE_CHROMIUM=/path/to/chrome); the HTML pages were written")
PAPERS = {"a4": "A4", "letter": "letter"}


class BrowserMissing(MsEvidenceError):
    """No Chromium or Chrome to print with."""


class PdfError(MsEvidenceError):
    """The browser ran but wrote no PDF (which page, why)."""


def find_browser() -> str | None:
    """``$MSEVIDENCE_CHROMIUM`` if set, else the first Chromium/Chrome on PATH."""
    given = os.environ.get("MSEVIDENCE_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def paper_name(paper: str) -> str:
    try:
        return PAPERS[paper.strip().lower()]
    except KeyError:
        raise OptionError("--paper", f"must be A4 or Letter, got {paper!r}") from None


def print_css(paper: str = "A4") -> str:
    """The print stylesheet: paper size and margins, take-home parts only when a page has them, no code, no
    collapsed sections, images kept within the page, no page break inside a figure or table."""
    size = paper_name(paper)
    return f"""<style media="print">
@page {{ size: {size}; margin: 12mm 12mm 14mm 12mm; }}
html, body {{ font-size: 9.5pt; background: white; }}
:root:has(.take-home) .jp-Cell:not(:has(.take-home)):not(:has(h1)) {{ display: none !important; }}
:root:has(.take-home) .jp-OutputArea-child:not(:has(.take-home)) {{ display: none !important; }}
:root:has(.take-home) .jp-MarkdownCell:has(h1) p {{ display: none !important; }}
.jp-CodeCell .jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt, details {{ display: none !important; }}
.take-home img {{ max-width: 100%; max-height: 62mm; width: auto; }}
img, table {{ break-inside: avoid; }}
.take-home p, .take-home li {{ margin: 1pt 0; }}
.jp-OutputArea-output, .jp-RenderedHTMLCommon {{ margin: 0 !important; padding: 0 !important; }}
.jp-Cell {{ padding: 0 !important; }}
h1 {{ font-size: 16pt; margin: 0 0 4pt 0; }}
</style>"""


def printable_html(html_text: str, paper: str = "A4") -> str:
    """The page with the print stylesheet added at the end of its head."""
    css = print_css(paper)
    if re.search(r"</head\s*>", html_text, re.IGNORECASE):
        return re.sub(r"</head\s*>", lambda m: css + m.group(0), html_text, count=1, flags=re.IGNORECASE)
    return css + html_text


def write_pdf(html_path: str | Path, pdf_path: str | Path | None = None, *, paper: str = "A4",
              browser: str | None = None, timeout: int = 120) -> Path:
    """Print `html_path` (a sanitised lay page) to `pdf_path` (default: beside it, ``.pdf``). Raises
    :class:`BrowserMissing` (one line: how to install one) or :class:`PdfError`."""
    html_path = Path(html_path)
    pdf = Path(pdf_path) if pdf_path is not None else html_path.with_suffix(".pdf")
    exe = browser or find_browser()
    if exe is None:
        raise BrowserMissing(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="msevidence-pdf-") as tmp:
        page = Path(tmp) / html_path.name
        page.write_text(printable_html(html_path.read_text(encoding="utf-8"), paper), encoding="utf-8")
        out = Path(tmp) / "page.pdf"
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", f"--user-data-dir={Path(tmp) / 'profile'}",
               "--no-pdf-header-footer", "--print-to-pdf-no-header", "--run-all-compositor-stages-before-draw",
               "--virtual-time-budget=5000", f"--print-to-pdf={out}", page.as_uri()]
        try:
            subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"{html_path}: the browser failed ({type(exc).__name__}: {exc})") from None
        if not out.is_file() or out.stat().st_size == 0:
            raise PdfError(f"{html_path}: the browser wrote no PDF (rule: a PDF per lay page)")
        try:
            pdf.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, pdf.with_suffix(".pdf.tmp"))
            os.replace(pdf.with_suffix(".pdf.tmp"), pdf)
        except OSError as exc:
            raise OutputError.from_os(pdf, exc) from None
    return pdf


def write_pdfs(set_dir: str | Path, names: list[str], *, paper: str = "A4") -> list[Path]:
    """A PDF of each named run's lay page in `set_dir` (``<name>.lay.html`` -> ``<name>.<paper>.pdf``)."""
    paper_name(paper)
    out = []
    for name in names:
        page = Path(set_dir) / f"{name}.lay.html"
        if page.is_file():
            out.append(write_pdf(page, page.with_name(f"{name}.{paper.lower()}.pdf"), paper=paper))
    return out
