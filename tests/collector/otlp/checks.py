"""The exactness contract of the native decoder, as one assertion."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from collector.otlp import OtlpDecodeError, decode_protobuf
from collector.otlp.native import decode_protobuf_table
from collector.schema import SPAN_SCHEMA

__all__ = ["RECEIVED_NS", "assert_native_exact"]

RECEIVED_NS = 1_795_162_502_000_000_123


def _first_difference(got: pa.Table, expected: pa.Table) -> str:
    for name in SPAN_SCHEMA.names:
        a, b = got[name].to_pylist(), expected[name].to_pylist()
        if a != b or got[name].null_count != expected[name].null_count:
            row = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
            if row is None:
                return f"column {name}: {len(a)} rows vs {len(b)}"
            return f"column {name}, row {row}: native {a[row]!r}, Python {b[row]!r}"
    return "schemas differ"


def assert_native_exact(body: bytes, *, accept: bool = False) -> bool:
    """The native table of ``body`` is exactly the Python path's, or native declined
    (not allowed when ``accept``).  True when native gave a table."""
    got = decode_protobuf_table(body, RECEIVED_NS)
    try:
        batch = decode_protobuf(body, received_ns=RECEIVED_NS)
    except OtlpDecodeError:
        assert got is None, "native accepted a body the Python path refuses"
        assert not accept, "a body the Python path refuses"
        return False
    if got is None:
        assert not accept, f"native declined a body it should take ({batch.rejected} rejected)"
        return False
    table, counts = got
    table.validate(full=True)
    expected = pa.Table.from_pydict(batch.columns, schema=SPAN_SCHEMA)
    assert table.schema.equals(SPAN_SCHEMA, check_metadata=True)
    assert table.equals(expected), _first_difference(table, expected)
    assert counts == replace(batch, columns={})
    return True
