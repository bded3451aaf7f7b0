"""What the tests and the benchmarks share: a manual clock, real wire bodies
(OTLP protobuf and JSON, CloudEvents) and the benchmarks' request workloads.

Shipped with synclens, as OpenTelemetry's SDK ships its in-memory exporter:
a test of a deployment can build the same bodies. Nothing here runs at
import time.
"""
