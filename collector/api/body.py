"""Reading an ingest body: media type, size limit, gzip."""

from __future__ import annotations

import zlib

from starlette.requests import Request

__all__ = ["BodyError", "media_type", "read_body"]


class BodyError(Exception):
    """The body cannot be taken; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def media_type(request: Request) -> str:
    """The Content-Type without parameters, lower case ('' when absent)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_body(request: Request, limit: int) -> bytes:
    """The decompressed body; 413 over ``limit`` (before or after gzip), 400
    for a corrupt gzip stream, 415 for an encoding other than gzip/identity."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", ""):
        raise BodyError(415, f"unsupported Content-Encoding {encoding!r} (use gzip or none)")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyError(413, f"body of {declared} bytes exceeds the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyError(413, f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if encoding in ("gzip", "x-gzip"):
        return _gunzip(raw, limit)
    return raw


def _gunzip(raw: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise BodyError(413, f"decompressed body exceeds the limit of {limit} bytes")
        out += inflater.flush()
    except zlib.error as exc:
        raise BodyError(400, f"body is not valid gzip: {exc}") from exc
    if not inflater.eof:
        raise BodyError(400, "body is not valid gzip: stream is truncated")
    if len(out) > limit:
        raise BodyError(413, f"decompressed body exceeds the limit of {limit} bytes")
    return out
