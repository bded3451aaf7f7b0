"""CloudEvents straight off a message bus (NATS JetStream), beside ``POST /v1/events``.

:mod:`collector.bus.intake` decodes, validates, stores and counts a batch of
messages exactly as the HTTP door does, whatever the broker; the broker's
module only fetches and settles (acknowledges after the commit, terminates a
bad message, redelivers later when the store pushes back).
"""

from __future__ import annotations

from collector.bus.intake import BusMessage, StoreBusy, Taken, take_events

__all__ = ["BusMessage", "StoreBusy", "Taken", "take_events"]
