"""Decoding a response body ourselves, with limits: a probe never inflates a bomb.

httpx would undo ``Content-Encoding`` for us, but one 269-byte body encoded ``gzip, gzip, gzip``
inflates to gigabytes in a single decoder call. So the prober reads the raw bytes (at most
``max_body`` of them) and this module undoes each encoding with an output cap, refusing a layer
that expands past ``max_ratio``.
"""

from __future__ import annotations

import zlib

DEFAULT_MAX_BODY = 512 * 1024  # fingerprints look at the start of pages; never pull a big artifact
DEFAULT_MAX_RATIO = 100  # ordinary HTML and JSON compress 3-20:1
RATIO_FLOOR = 64 * 1024  # below this much output a ratio proves nothing (a tiny page, an empty JSON list)
DECODABLE = ("gzip", "x-gzip", "deflate", "identity")
ACCEPT_ENCODING = "gzip, deflate"  # only what we decode ourselves, so servers do not send br or zstd


class ProbeError(Exception):
    """A target's answer that the prober refuses to read further; the message names the limit."""


class ProbeLimitError(ProbeError):
    """A configured limit was reached (decompression ratio, total time per target)."""


def encodings(header: str | None) -> list[str]:
    """The codings to undo, last applied first (``Content-Encoding: gzip, br`` was gzip, then br)."""
    if not header:
        return []
    names = [name.strip().lower() for name in header.split(",") if name.strip()]
    return [name for name in reversed(names) if name != "identity"]


def decode_body(
    raw: bytes, header: str | None, *, max_body: int, max_ratio: float, raw_complete: bool = True
) -> tuple[bytes, bool]:
    """Undo the content codings of ``raw``; returns (at most ``max_body`` bytes, whether cut short).
    ``raw_complete``: ``raw`` is the whole body (not cut at ``max_body`` while reading).

    Raises ProbeLimitError when a layer expands past ``max_ratio`` (a compression bomb) and
    ProbeError for a coding we do not decode or a corrupt or truncated stream.
    """
    data, truncated = raw, not raw_complete
    for coding in encodings(header):
        if coding not in DECODABLE:
            raise ProbeError(f"unsupported Content-Encoding {coding!r}")
        out, cut, consumed, ended = _inflate(data, coding, max_body)
        if not ended and not cut and not truncated:
            raise ProbeError(f"response body is not valid {coding}: the stream ends early")
        if len(out) >= RATIO_FLOOR and len(out) > max_ratio * max(consumed, 1):
            raise ProbeLimitError(
                f"response body expands more than {max_ratio:g}:1 when decoded ({coding}: {consumed} bytes gave "
                f"over {len(out)}); limit --max-decompression-ratio"
            )
        data, truncated = out, truncated or cut
    if len(data) > max_body:
        data, truncated = data[:max_body], True
    return data, truncated


def _inflate(data: bytes, coding: str, cap: int) -> tuple[bytes, bool, int, bool]:
    """Inflate at most ``cap`` bytes; returns (output, cut short, input bytes consumed, stream ended)."""
    wbits = 31 if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
    out = bytearray()
    consumed = 0
    ended = not data
    rest = data
    try:
        while rest and len(out) <= cap:
            decoder = zlib.decompressobj(wbits)
            try:
                chunk = decoder.decompress(rest, cap + 1 - len(out))
            except zlib.error:
                if coding == "deflate" and wbits == zlib.MAX_WBITS and not out:
                    wbits = -zlib.MAX_WBITS  # servers often send raw deflate without the zlib header
                    continue
                raise
            out += chunk
            used = len(rest) - len(decoder.unconsumed_tail) - len(decoder.unused_data)
            consumed += used
            ended = decoder.eof
            if decoder.unconsumed_tail or not decoder.eof:
                break  # output cap reached, or the stream ends early
            rest = decoder.unused_data  # gzip allows several members one after another
    except zlib.error as exc:
        raise ProbeError(f"response body is not valid {coding}: {exc}") from None
    return bytes(out[: cap + 1]), len(out) > cap, consumed, ended
