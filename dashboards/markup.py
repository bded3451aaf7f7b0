"""Client-chosen text (span names, locations, SKUs, error classes, ...) into
Plotly figures as text, never markup.

Plotly draws a subset of HTML in hover labels, texts, legends and tick
labels (``<a href>``, ``<b style>``, ``<br>``, ...) and decodes entities, so
``&lt;a&gt;`` shows as ``<a>`` and is no link.
"""

from __future__ import annotations

import html

__all__ = ["plain"]


def plain(value: object) -> str:
    """``value`` as text Plotly shows literally."""
    return html.escape(str(value), quote=False)
