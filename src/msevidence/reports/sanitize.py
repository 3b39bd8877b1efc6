"""The final HTML of every report passes an allow-list sanitizer (nh3) and declares a Content-Security-Policy.

Evidence text (trial names, arm labels, notes), data-file values, parameters and file names reach a page through
Markdown outputs, DataFrame HTML and headings; any of them could carry ``<script>``, ``onerror=``, ``<iframe>``
or ``javascript:`` links, or restyle and cover the page (``style="position:fixed"``, ``<style>``, CSS with
escaped ``javascript:`` URLs, a class the template positions). Rather than trust every path, the whole
``<body>`` is cleaned with an allow-list of the tags and attributes nbconvert's lab template and pandas use: no
``style`` attribute and no ``<style>`` survive in the body (the tables' look is one fixed stylesheet in the
head), and only the classes of the page structure, tables and code highlighting are kept; ``href``/``src`` keep only http(s), mailto,
relative links and the report's own embedded images (``data:image/...`` on ``<img>``). The template's scripts
(require.js, MathJax, mermaid, all from CDNs) are dropped: the pages need none, and the CSP forbids every
script, frame, plugin and remote fetch.
"""

from __future__ import annotations

import re

import nh3

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; script-src 'none'; "
       "object-src 'none'; frame-src 'none'; child-src 'none'; form-action 'none'; base-uri 'none'")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

TAGS = (set(nh3.ALLOWED_TAGS) | {"main", "section", "label"}) - {"map", "area", "style"}
GENERIC = {"class", "id", "title", "lang", "dir", "align", "role", "aria-label", "aria-hidden"}
ATTRIBUTES = {tag: set(attrs) - {"style"} for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
ATTRIBUTES["*"] = GENERIC
ATTRIBUTES["img"] = {"src", "alt", "width", "height"}
ATTRIBUTES["a"] = {"href"}
ATTRIBUTES["details"] = {"open"}
IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_BODY = re.compile(r"(<body\b[^>]*>)(.*)(</body\s*>)", re.IGNORECASE | re.DOTALL)


# Classes kept on body elements: nbconvert's page structure, pandas tables, Pygments tokens, the take-home mark. Any other class
# (e.g. one the template's CSS positions, such as a dialog or menu) is dropped, so text cannot borrow it.
SAFE_CLASS = re.compile(
    r"jp-(Notebook|Notebook-cell|Cell|MarkdownCell|CodeCell|RawCell|Cell-inputWrapper|Cell-outputWrapper|Collapser"
    r"|InputCollapser|OutputCollapser|Cell-inputCollapser|Cell-outputCollapser|InputArea|Cell-inputArea"
    r"|InputPrompt|InputArea-prompt|InputArea-editor|OutputArea|Cell-outputArea|OutputArea-child|OutputPrompt"
    r"|OutputArea-prompt|OutputArea-output|OutputArea-executeResult|RenderedHTMLCommon|RenderedHTML"
    r"|RenderedMarkdown|MarkdownOutput|RenderedImage|RenderedText|RenderedLatex|mod-noInput|mod-noOutputs"
    r"|mod-trusted|CodeMirrorEditor|Editor)"
    r"|take-home|take-home-table"  # the personal page's parts printed to the take-home PDF (msevidence.reports.pdf)
    r"|dataframe|anchor-link|highlight|hl-[a-z0-9]+|col_heading|row_heading|index_name|blank|data|level\d+"
    r"|col\d+|row\d+|[a-z]{1,3}\d?")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr in ("href", "src") and value.strip().lower().startswith("data:"):
        return value if tag == "img" and attr == "src" and IMAGE_DATA.match(value.strip()) else None
    if attr == "class":
        return " ".join(c for c in value.split() if SAFE_CLASS.fullmatch(c)) or None
    return value


def table_css() -> str:
    """The look of :func:`msevidence.presentation.tables.show` tables, as a head stylesheet (the tables' own
    ``<style>`` blocks are removed from the body with everything else that could restyle the page)."""
    from msevidence.presentation.tables import TABLE_STYLES

    # as specific as the template's ":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td" and one step more
    rules = [f'.jp-RenderedHTMLCommon table[id^="T_"] {r["selector"]}, table[id^="T_"] {r["selector"]} '
             f'{{{r["props"]}}}'.replace(" ,", ",").replace("  ", " ") for r in TABLE_STYLES]
    # the personal page's take-home table holds words: read from the left, as text is
    rules.append(".jp-RenderedHTMLCommon table.take-home-table th, .jp-RenderedHTMLCommon table.take-home-table td, "
                 "table.take-home-table th, table.take-home-table td {text-align: left}")
    return "\n".join(rules)


def clean_fragment(fragment: str) -> str:
    """An HTML fragment with only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(fragment, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_attribute_filter,
                     url_schemes={"http", "https", "mailto", "data"}, strip_comments=True,
                     clean_content_tags={"script", "style", "iframe", "object", "embed", "noscript", "template"},
                     link_rel="noopener noreferrer")


def sanitize_document(html: str) -> str:
    """nbconvert's page with the template's head kept (styles, meta), its scripts removed, a CSP meta tag added
    first in the head, and the body cleaned by :func:`clean_fragment`."""
    m = _BODY.search(html)
    if m is None:
        head, body_open, body, tail = "", "<body>", html, "</body></html>"
    else:
        head, body_open, body, tail = html[: m.start()], m.group(1), m.group(2), html[m.end(3):]
        tail = "</body>" + _SCRIPT.sub("", tail)
    head = _LINK.sub("", _SCRIPT.sub("", head))
    head = re.sub(r"<meta\s+http-equiv=[\"']?Content-Security-Policy[^>]*>", "", head, flags=re.IGNORECASE)
    if re.search(r"<head\b[^>]*>", head, re.IGNORECASE):
        head = re.sub(r"(<head\b[^>]*>)", lambda h: h.group(1) + "\n" + CSP_META, head, count=1,
                      flags=re.IGNORECASE)
        head = re.sub(r"(</head\s*>)", lambda h: f"<style>\n{table_css()}\n</style>\n" + h.group(1), head, count=1,
                      flags=re.IGNORECASE)
    else:
        head = f"<!DOCTYPE html>\n<html><head>{CSP_META}<style>\n{table_css()}\n</style></head>"
    return head + body_open + clean_fragment(body) + tail
