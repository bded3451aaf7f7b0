"""A simulated distribution network with fault injection and ground truth.

Modules, one idea each: ``network`` (topology, routes, ownership), ``faults``
(profiles and YAML), ``events`` (business events, CloudEvents form),
``model`` (per-system books and the event flows), ``middleware`` (delivery
attempts with faults), ``telemetry`` (OpenTelemetry spans), ``reconcile``
(expected reconciliation), ``truth`` (ground truth), ``transport`` (HTTP /
in-memory sending), ``clock`` (the simulated scheduler), ``progress`` (progress bar, summary), ``runner`` (the
loop: :func:`simulator.runner.simulate`, :func:`simulator.runner.feed_demo`)
and ``cli`` (``synclens simulate``). It talks to synclens only over the wire.
"""
