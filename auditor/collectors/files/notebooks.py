"""Notebook scanning: credentials in sources and outputs, personal data in saved outputs.

Parsed with nbformat (any notebook format version); only text is read, nothing is executed.
Every hit keeps a redacted prefix and a hash, never the value.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from auditor.analysis.secrets import find_secrets, redact_text
from auditor.resources import SecretHit

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b")
_PHONE = re.compile(
    r"(?<![\w+])(?<!\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\w])(?![ .-]\d)"
)
_US_SSN = re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")
_UK_NINO = re.compile(r"\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIOQUV])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net", "test.com", "localhost")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _redact(value: str, keep: int) -> str:
    return value[:keep] + "…"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def find_personal_data(text: str, location: str = "") -> list[SecretHit]:
    """E-mail addresses, phone numbers, national id numbers and Luhn-valid card numbers, redacted."""
    hits: list[SecretHit] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, value: str, start: int, keep: int) -> None:
        if (kind, value) in seen:
            return
        seen.add((kind, value))
        hits.append(
            SecretHit(kind=kind, redacted=_redact(value, keep), sha256=_hash(value), location=location,
                      line=text.count("\n", 0, start) + 1)
        )

    card_spans: list[tuple[int, int]] = []
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and digits[0] in "3456" and luhn_ok(digits) and len(set(digits)) > 1:
            add("card_number", digits, m.start(), 4)
            card_spans.append(m.span())
    for m in _EMAIL.finditer(text):
        value = m.group(0)
        if value.lower().split("@", 1)[1].endswith(_EXAMPLE_DOMAINS):
            continue
        add("email", value, m.start(), 2)
    for m in _US_SSN.finditer(text):
        add("national_id_us_ssn", m.group(0), m.start(), 3)
    for m in _UK_NINO.finditer(text):
        add("national_id_uk_nino", m.group(0), m.start(), 2)
    for m in _PHONE.finditer(text):
        if any(a <= m.start() < b for a, b in card_spans) or _US_SSN.fullmatch(m.group(0).strip()):
            continue
        digits = re.sub(r"\D", "", m.group(0))
        if 9 <= len(digits) <= 15:
            add("phone_number", m.group(0).strip(), m.start(), 3)
    return hits


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return str(value) if value is not None else ""


def _output_texts(output: dict[str, Any]) -> Iterator[str]:
    if output.get("output_type") == "stream":
        yield _text(output.get("text"))
    elif output.get("output_type") == "error":
        yield _text(output.get("evalue"))
        yield "\n".join(_text(t) for t in output.get("traceback", []))
    for mime, value in (output.get("data") or {}).items():
        if mime.startswith("text/") or mime.endswith("json") or mime.endswith("javascript"):
            yield _text(value)


def notebook_error(exc: BaseException) -> str:
    """Why a notebook could not be parsed, without quoting its content (it may hold secrets)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    name = type(exc).__name__
    if name == "NotJSONError":  # nbformat's message repeats the start of the file
        return "not valid JSON"
    if name == "ValidationError":  # its message quotes the offending value: name the rule and place instead
        where = "/".join(str(part) for part in getattr(exc, "absolute_path", ()) or ())
        rule = getattr(exc, "validator", None) or "schema"
        return redact_text(f"not a valid notebook: the {rule} rule fails at /{where}")[:200]
    return f"{name}: " + redact_text(str(exc).splitlines()[0] if str(exc) else "")[:200]


def scan_notebook(raw: str) -> tuple[list[SecretHit], list[SecretHit]]:
    """(secrets in sources and outputs, personal data in outputs) of one notebook's JSON text."""
    import nbformat

    json.loads(raw)  # a syntax error is reported by position, never with nbformat's quote of the file
    nb = nbformat.reads(raw, as_version=nbformat.NO_CONVERT)
    secrets: list[SecretHit] = []
    personal: list[SecretHit] = []
    cells = nb.get("cells")
    if cells is None:  # nbformat 3: worksheets
        cells = [c for ws in nb.get("worksheets", []) for c in ws.get("cells", [])]
    for index, cell in enumerate(cells):
        source = _text(cell.get("source", cell.get("input", "")))
        secrets.extend(find_secrets(source, f"cell {index} source", library=True))
        for o_index, output in enumerate(cell.get("outputs", []) or []):
            where = f"cell {index} output {o_index}"
            for text in _output_texts(output):
                secrets.extend(find_secrets(text, where, library=True))
                personal.extend(find_personal_data(text, where))
    return _dedupe(secrets), _dedupe(personal)


def _dedupe(hits: list[SecretHit]) -> list[SecretHit]:
    seen: set[tuple[str, str]] = set()
    out = []
    for h in hits:
        if (h.kind, h.sha256) not in seen:
            seen.add((h.kind, h.sha256))
            out.append(h)
    return out
