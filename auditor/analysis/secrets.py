"""Finding credentials in text, keeping only a redacted prefix and a hash of each.

Used by every collector that reads text that may hold secrets (SageMaker lifecycle scripts,
Workbench post-start metadata, notebooks). The value itself never leaves this module.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from auditor.resources import SecretHit


@dataclass(frozen=True)
class Pattern:
    kind: str
    regex: re.Pattern[str]
    group: int = 0  # which group holds the secret value


PATTERNS: tuple[Pattern, ...] = (
    Pattern("aws_access_key_id", re.compile(r"\b((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b"), 1),
    Pattern(
        "aws_secret_access_key",
        re.compile(r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"),
        1,
    ),
    Pattern("private_key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----")),
    Pattern("github_token", re.compile(r"\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b"), 1),
    Pattern("gitlab_token", re.compile(r"\b(glpat-[A-Za-z0-9_-]{20,})\b"), 1),
    Pattern("slack_token", re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,})\b"), 1),
    Pattern("slack_webhook", re.compile(r"(https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,})"), 1),
    Pattern("google_api_key", re.compile(r"\b(AIza[0-9A-Za-z_-]{35})\b"), 1),
    Pattern("gcp_service_account_key", re.compile(r"\"private_key_id\"\s*:\s*\"([0-9a-f]{40})\""), 1),
    Pattern("azure_storage_key", re.compile(r"(?i)AccountKey=([A-Za-z0-9+/=]{86,88})"), 1),
    Pattern("openai_api_key", re.compile(r"\b(sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,})\b"), 1),
    Pattern("anthropic_api_key", re.compile(r"\b(sk-ant-[A-Za-z0-9_-]{32,})\b"), 1),
    Pattern("huggingface_token", re.compile(r"\b(hf_[A-Za-z0-9]{34,})\b"), 1),
    Pattern("stripe_key", re.compile(r"\b((?:sk|rk)_live_[A-Za-z0-9]{20,})\b"), 1),
    Pattern("jwt", re.compile(r"\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})\b"), 1),
    Pattern(
        "password_in_url",
        re.compile(r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@'\"]{1,64}:([^\s@/'\"]{3,128})@[^\s'\"]+", re.I),
        1,
    ),
    Pattern(
        "password_assignment",
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|secret|api_?key|access_?token|auth_?token)\b[\"']?\s*[:=]\s*[\"']([^\"'\s$%{}<>]{8,})[\"']"
        ),
        1,
    ),
)

_PLACEHOLDERS = re.compile(r"(?i)^(?:x+|\*+|changeme|password|your[_-]?\w*|example\w*|dummy\w*|placeholder|<.*>|\$\{.*\}|none|null)$")


def _redact(value: str) -> str:
    keep = 4 if len(value) > 12 else 2
    return value[:keep] + "…"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def find_secrets(text: str, location: str = "") -> list[SecretHit]:
    """Every credential-looking value in ``text``, redacted. One hit per distinct value and kind."""
    hits: list[SecretHit] = []
    seen: set[tuple[str, str]] = set()
    for pattern in PATTERNS:
        for match in pattern.regex.finditer(text):
            value = match.group(pattern.group)
            if pattern.kind in ("password_assignment", "password_in_url") and _PLACEHOLDERS.match(value):
                continue
            key = (pattern.kind, value)
            if key in seen:
                continue
            seen.add(key)
            line = text.count("\n", 0, match.start()) + 1
            hits.append(
                SecretHit(kind=pattern.kind, redacted=_redact(value), sha256=_hash(value), location=location, line=line)
            )
    return hits


def redact_text(text: str) -> str:
    """``text`` with every secret value replaced by its redacted form (for evidence snippets)."""
    for pattern in PATTERNS:
        def repl(match: re.Match[str], group: int = pattern.group) -> str:
            value = match.group(group)
            return match.group(0).replace(value, _redact(value) + f"[sha256:{_hash(value)}]")

        text = pattern.regex.sub(repl, text)
    return text
