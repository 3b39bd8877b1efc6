"""The final HTML of every report passes an allow-list sanitizer (nh3) and declares a Content-Security-Policy.

Evidence text (trial names, arm labels, notes), data-file values, parameters and file names reach a page through
Markdown outputs, DataFrame HTML and headings; any of them could carry ``<script>``, ``onerror=``, ``<iframe>``
or ``javascript:`` links. Rather than trust every path, the whole ``<body>`` is cleaned with an allow-list of
the tags and attributes nbconvert's lab template and pandas use; ``href``/``src`` keep only http(s), mailto,
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

TAGS = (set(nh3.ALLOWED_TAGS) | {"main", "section", "style", "label"}) - {"map", "area"}
GENERIC = {"class", "id", "title", "lang", "dir", "style", "align", "role", "aria-label", "aria-hidden"}
ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
ATTRIBUTES["*"] = GENERIC
ATTRIBUTES.setdefault("style", set()).update({"type", "scoped"})
ATTRIBUTES["img"] = {"src", "alt", "width", "height"}
ATTRIBUTES["a"] = {"href"}
ATTRIBUTES["details"] = {"open"}
IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_BODY = re.compile(r"(<body\b[^>]*>)(.*)(</body\s*>)", re.IGNORECASE | re.DOTALL)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr in ("href", "src") and value.strip().lower().startswith("data:"):
        return value if tag == "img" and attr == "src" and IMAGE_DATA.match(value.strip()) else None
    if attr == "style" and re.search(r"url\s*\(|expression\s*\(|@import", value, re.IGNORECASE):
        return None
    return value


def clean_fragment(fragment: str) -> str:
    """An HTML fragment with only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(fragment, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_attribute_filter,
                     url_schemes={"http", "https", "mailto", "data"}, strip_comments=True,
                     clean_content_tags={"script", "iframe", "object", "embed", "noscript", "template"},
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
    else:
        head = f"<!DOCTYPE html>\n<html><head>{CSP_META}</head>"
    return head + body_open + clean_fragment(body) + tail
