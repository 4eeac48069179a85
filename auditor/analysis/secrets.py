"""Finding credentials in text, keeping only a redacted prefix and a hash of each.

Used by every collector that reads text that may hold secrets (SageMaker lifecycle scripts,
Workbench post-start metadata, notebooks). The value itself never leaves this module.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Any

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
    Pattern(
        "gitlab_token",
        re.compile(r"\b((?:glpat|gldt|glrt|glcbt|glptt|glft|glimt|glagent|gloas|glsoat|glffct)-[A-Za-z0-9_-]{20,}"
                   r"|GR1348941[A-Za-z0-9_-]{20,})\b"),
        1,
    ),
    Pattern("slack_token", re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,})\b"), 1),
    Pattern("slack_webhook", re.compile(r"(https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,})"), 1),
    Pattern("google_api_key", re.compile(r"\b(AIza[0-9A-Za-z_-]{35})\b"), 1),
    Pattern("gcp_service_account_key", re.compile(r"\"private_key_id\"\s*:\s*\"([0-9a-f]{40})\""), 1),
    Pattern("azure_storage_key", re.compile(r"(?i)AccountKey=([A-Za-z0-9+/=]{86,88})"), 1),
    Pattern("anthropic_api_key", re.compile(r"\b(sk-ant-[A-Za-z0-9_-]{32,})\b"), 1),
    Pattern("openai_api_key", re.compile(r"\b(sk-(?!ant-)(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,})\b"), 1),
    Pattern("npm_token", re.compile(r"\b(npm_[A-Za-z0-9]{36})\b"), 1),
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
            r"(?i)\b(?:password|passwd|pwd|secret|api_?key|access_?token|auth_?token)\b[\"']?\s*:?[:=]\s*[\"']([^\"'\s$%{}<>]{8,})[\"']"
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


def secret_hit(kind: str, value: str, location: str = "", line: int | None = None) -> SecretHit:
    """A credential found by a caller's own rule, kept the one way this module keeps them."""
    return SecretHit(kind=kind, redacted=_redact(value), sha256=_hash(value), location=location, line=line)


def find_secrets(text: str, location: str = "", *, library: bool = False) -> list[SecretHit]:
    """Every credential-looking value in ``text``, redacted. One hit per distinct value.

    ``library``: also run detect-secrets' own detectors (keywords such as ``DB_PASSWORD`` or
    ``client_secret``, and provider token formats), without its entropy detectors, which flag
    ordinary identifiers. A value already named by a more specific rule is reported once.
    """
    hits: list[SecretHit] = []
    seen: set[str] = set()
    spans: list[tuple[int, int]] = []

    def add(kind: str, value: str, start: int, end: int) -> None:
        if value in seen or any(a < end and start < b for a, b in spans):
            return  # one value, one hit: the first (most specific) rule names it
        seen.add(value)
        spans.append((start, end))
        line = text.count("\n", 0, start) + 1
        hits.append(SecretHit(kind=kind, redacted=_redact(value), sha256=_hash(value), location=location, line=line))

    for pattern in PATTERNS:
        for match in pattern.regex.finditer(text):
            value = match.group(pattern.group)
            if pattern.kind in ("password_assignment", "password_in_url") and _PLACEHOLDERS.match(value):
                continue
            add(pattern.kind, value, match.start(pattern.group), match.end(pattern.group))
    if library:
        for kind, value, start in _library_hits(text):
            add(kind, value, start, start + len(value))
    return hits


# detect-secrets' detector names mapped onto the kinds above where they mean the same thing.
_LIBRARY_KINDS = {
    "Secret Keyword": "password_assignment",
    "AWS Access Key": "aws_access_key_id",
    "Basic Auth Credentials": "password_in_url",
    "GitHub Token": "github_token",
    "GitLab Token": "gitlab_token",
    "OpenAI Token": "openai_api_key",
    "Private Key": "private_key",
    "JSON Web Token": "jwt",
    "Slack Token": "slack_token",
    "Stripe Access Key": "stripe_key",
    "Azure Storage Account access key": "azure_storage_key",
}
# Entropy detectors flag ordinary identifiers; a public IP address is not a credential.
_LIBRARY_SKIPPED = frozenset({"Base64 High Entropy String", "Hex High Entropy String", "Public IP (ipv4)"})
_LIBRARY_MAX_LINE = 20_000  # longer lines (embedded images, minified data) are left to the patterns above


@functools.lru_cache(maxsize=1)
def _library() -> tuple[list[Any], list[Any]] | None:
    """detect-secrets' detectors and false-positive filters, or None when it is not installed."""
    try:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.filters import heuristic
    except ImportError:
        return None
    classes: dict[str, Any] = dict(get_mapping_from_secret_type_to_class())
    plugins = [cls() for kind, cls in sorted(classes.items()) if kind not in _LIBRARY_SKIPPED]
    secret_filters = [heuristic.is_sequential_string, heuristic.is_potential_uuid, heuristic.is_templated_secret,
                      heuristic.is_prefixed_with_dollar_sign, heuristic.is_not_alphanumeric_string]
    return plugins, secret_filters


def _library_hits(text: str) -> list[tuple[str, str, int]]:
    """(kind, value, offset in text) of every detect-secrets hit that its own filters keep."""
    library = _library()
    if library is None:
        return []
    from detect_secrets.filters.heuristic import is_indirect_reference, is_likely_id_string

    plugins, secret_filters = library
    found: list[tuple[str, str, int]] = []
    offset = 0
    for line in text.split("\n"):
        start_of_line = offset
        offset += len(line) + 1
        if len(line) > _LIBRARY_MAX_LINE or not line.strip() or is_indirect_reference(line):
            continue
        for plugin in plugins:
            # analyze_string, not analyze_line: the latter may "verify" a secret against its
            # provider's API when detect-secrets is configured to, and this tool never goes online.
            for value in plugin.analyze_string(line):
                if not value or any(f(value) for f in secret_filters) or is_likely_id_string(value, line, plugin):
                    continue
                if _PLACEHOLDERS.match(value):
                    continue
                at = line.find(value)
                kind = _LIBRARY_KINDS.get(plugin.secret_type) or re.sub(r"[^a-z0-9]+", "_", plugin.secret_type.lower()).strip("_")
                found.append((kind, value, start_of_line + max(at, 0)))
    return found


def redact_text(text: str) -> str:
    """``text`` with every secret value replaced by its redacted form (for evidence snippets)."""
    for pattern in PATTERNS:
        def repl(match: re.Match[str], group: int = pattern.group) -> str:
            value = match.group(group)
            return match.group(0).replace(value, _redact(value) + f"[sha256:{_hash(value)}]")

        text = pattern.regex.sub(repl, text)
    return text
