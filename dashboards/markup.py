"""Client-chosen text (span names, locations, SKUs, error classes, ...) into
Plotly figures as text, never markup.

Plotly draws a subset of HTML in hover labels, texts, legends and tick
labels (``<a href>``, ``<b style>``, ``<br>``, ...) and decodes entities, so
``&lt;a&gt;`` shows as ``<a>`` and is no link.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

__all__ = ["plain", "plain_all", "unplain"]


def plain(value: object) -> str:
    """``value`` as text Plotly shows literally."""
    return html.escape(str(value), quote=False)


def plain_all(values: Iterable[object]) -> list[str]:
    """Each of ``values`` as text (category axes: tick labels and ``%{x}``)."""
    return [plain(v) for v in values]


def unplain(shown: str) -> str:
    """The value behind a :func:`plain` text (a clicked point's ``x`` or ``y``)."""
    return html.unescape(shown)
