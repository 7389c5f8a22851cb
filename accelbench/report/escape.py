"""Neutralising user-controlled strings (workload, backend and test names, reasons) per output format.

* Markdown: HTML is escaped (``<b>`` shows as text) and Markdown punctuation is backslash-escaped,
  so a name cannot open a link, an image, emphasis or a table cell.
* CSV: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with
  ``'`` (OWASP's advice against formula injection); numbers are written as numbers.
* matplotlib: plots are drawn with ``text.parse_math`` and ``text.usetex`` off (:data:`PLOT_RC`), so
  a name such as ``$\\frac{1}{0}$`` is drawn as typed and never reaches mathtext or TeX.
"""

from __future__ import annotations

import html
import re
from typing import Any

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|~])")
_MD_LINE_START = re.compile(r"^(\s*)(>|[#+\-=](?=[\s#+\-=]|$))")
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def markdown(text: object) -> str:
    """``text`` safe to place in Markdown (inline or in a table cell): HTML and Markdown escaped."""
    if text == "-":
        return "-"  # the "no figure" cell: inside a table row, never a list marker
    escaped = html.escape(str(text), quote=False)
    escaped = _MD_SPECIAL.sub(r"\\\1", escaped.replace("\n", " ").replace("\r", " "))
    escaped = _MD_LINE_START.sub(lambda match: match.group(1) + "\\" + match.group(2), escaped)
    return _MD_ORDERED.sub(lambda match: match.group(1) + "\\" + match.group(2), escaped)


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet never evaluates: text starting like a formula gets a ``'`` prefix.

    ``None`` becomes ''; ints and floats are kept (a negative number is data, not a formula).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(values: list[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


#: matplotlib settings every report plot is drawn under: user strings are plain text.
PLOT_RC: dict[str, Any] = {"text.parse_math": False, "text.usetex": False, "svg.fonttype": "none"}


def plot_text(text: object) -> str:
    """A label for matplotlib: one line, no leading '_' (which legends would silently hide)."""
    flat = " ".join(str(text).split())
    return "\u200b" + flat if flat.startswith("_") else flat
