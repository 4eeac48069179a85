"""Secrets never reach an output: one pass over everything a scan result carries as free text.

Collectors and checks copy outside text into the result (a Terraform syntax error quotes the
offending line, a tag value or a resource name may hold a key, a webhook URL carries its token on
the command line). Rather than trusting each of them, the result is redacted where it is
assembled (``auditor.pipeline``), with the notebook scanner's own rules
(``auditor.analysis.secrets.redact_text``): every string of the inventory, of the collection
errors and of the findings, dictionary keys included, and ``scan.command``.

Most strings hold nothing secret-shaped; a cheap trigger search skips them, so redacting a
100,000-resource inventory costs a fraction of evaluating it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from auditor.analysis.secrets import redact_text

T = TypeVar("T")

# A superset of what every pattern of auditor.analysis.secrets needs to match, as lower-case
# literals (substring tests are far cheaper than a regular expression): text without any of these
# cannot hold a secret those patterns would find.
_LITERALS = (
    "akia", "asia", "abia", "acca", "gr1348941", "private key", "private_key_id", "secret_access", "secretaccess",
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glrt-", "glcbt-", "glptt-", "glft-",
    "glimt-", "glagent-", "gloas-", "glsoat-", "glffct-", "xox", "hooks.slack", "aiza", "accountkey", "sk-", "sk_live",
    "rk_live", "hf_", "eyj",
)
# A credential-named key followed by ":" or "=", on lower-cased text: what both the assignment rule
# of auditor.analysis.secrets and _ASSIGNED below need before they can match.
_GATE = re.compile(r"(?:secret|passw|pwd|token|api_?key|private_?key|credential)[\w.-]*[\"']?\s*[:=]")
# A value assigned to a credential-named key, quoted or not, whatever its length: an error message
# that cuts a line short (18 of a secret key's 40 characters) no longer matches the key's own pattern.
_ASSIGNED = re.compile(
    r"(?i)\b[\w.-]*(?:secret|passw(?:or)?d|pwd|token|api_?key|private_?key|credential)[\w.-]*[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"([^\s\"'<>{}$%,;]{8,})"
)


def _trie_pattern(words: Iterable[str]) -> str:
    """One regular expression matching any of ``words``, as a trie (``a(?:kia|sia)``): a single
    scan of the text, twice as fast as one substring test per word."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def alternatives(node: dict[str, Any]) -> str:
        if "" in node:
            return ""  # a word ends here: what follows cannot matter
        parts = [re.escape(ch) + alternatives(rest) for ch, rest in sorted(node.items())]
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return alternatives(root)


_ANY_LITERAL = re.compile(_trie_pattern(_LITERALS))


def _triggered(text: str) -> bool:
    low = text.lower()
    if _ANY_LITERAL.search(low):
        return True
    if "://" in low and "@" in low:
        return True
    # the regular expression only when a keyword's letters are there at all (most text has none)
    if not ("secret" in low or "pass" in low or "pwd" in low or "key" in low or "token" in low or "credential" in low):
        return False
    return bool(_GATE.search(low))


# A mapping key that says its value is a credential (tags, labels, environment variables).
_SECRET_KEY = re.compile(r"(?i)passw|pwd|secret|token|api_?key|apikey|private_?key|credential|auth_?key|authorization")
_NOT_SECRET_VALUE = re.compile(r"(?i)^(?:true|false|none|null|yes|no|enabled?|disabled?|\*+|x+|changeme|<.*>|\$\{.*\}|\{\{.*\}\})$")
# Query parameters that carry credentials in a URL given on the command line.
_SECRET_PARAM = re.compile(r"(?i)token|key|secret|sig|signature|passw|auth|code|credential|session")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Options whose value is a URL holding a token in its path (a webhook): only scheme and host are kept.
_WEBHOOK_OPTIONS = ("--notify",)


def redact(text: str) -> str:
    """``text`` with every secret replaced by its redacted form (prefix, "…" and a hash), and
    any lone surrogate (a file name that is not UTF-8) as U+FFFD: no output format can carry one."""
    if not text:
        return text
    if _triggered(text):
        text = redact_text(text)
        text = _ASSIGNED.sub(_assigned_value, text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATE.sub("\ufffd", text)
    return text


_NAME = re.compile(r"^[a-z]+(?:_[a-z]+)+$")  # a kind or field name (aws_secret_access_key), not a value


def _assigned_value(match: re.Match[str]) -> str:
    value = match.group(1)
    if "…[sha256:" in value or _NOT_SECRET_VALUE.match(value) or _NAME.match(value):
        return match.group(0)
    start = match.start(1) - match.start(0)
    return match.group(0)[:start] + _value_form(value)


def _value_form(value: str) -> str:
    """A credential value judged by its key: shown the way redact_text shows one it recognises."""
    import hashlib

    keep = 4 if len(value) > 12 else 2
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{value[:keep]}…[sha256:{digest}]"


def _secret_value(key: str, value: str) -> bool:
    return (
        bool(_SECRET_KEY.search(key))
        and len(value) >= 8
        and "…[sha256:" not in value
        and not _NOT_SECRET_VALUE.match(value.strip())
        and not value.startswith(("arn:", "projects/", "/subscriptions/", "https://", "http://"))  # references, not values
    )


def redact_data(data: Any) -> Any:
    """Every string in a JSON-like structure (keys too), and values under credential-like keys."""
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        for key, value in data.items():
            new_key = redact(key) if isinstance(key, str) else key
            if isinstance(key, str) and isinstance(value, str) and _secret_value(key, value):
                out[new_key] = _value_form(value)
            else:
                out[new_key] = redact_data(value)
        return out
    if isinstance(data, list):
        return [redact_data(item) for item in data]
    if isinstance(data, tuple):
        return tuple(redact_data(item) for item in data)
    return data


def _maybe_secret(data: Any) -> bool:
    """Quick test: could ``data`` hold anything to redact? (False is certain, True is a maybe.)"""
    if isinstance(data, str):
        return _triggered(data)
    if isinstance(data, dict):
        return any(
            (isinstance(k, str) and (_triggered(k) or (isinstance(v, str) and _secret_value(k, v)))) or _maybe_secret(v)
            for k, v in data.items()
        )
    if isinstance(data, list | tuple):
        return any(_maybe_secret(item) for item in data)
    return False


def redact_url(url: str, *, keep_path: bool = True) -> str:
    """A URL without its password, credential-like query values, or (``keep_path=False``) its path."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return redact(url)
    if not parts.scheme or not parts.netloc:
        return redact(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    user = f"{parts.username}:…@" if parts.password is not None else (f"{parts.username}@" if parts.username else "")
    netloc = f"{user}{host}{':' + str(port) if port else ''}"
    if not keep_path:
        return urlunsplit((parts.scheme, netloc, "/…" if parts.path not in ("", "/") or parts.query else parts.path, "", ""))
    query = urlencode(
        [(k, "…" if _SECRET_PARAM.search(k) and v else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)],
        safe="…",
    )
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s'\"]+")


def redact_argument(arg: str, *, webhook: bool = False) -> str:
    """One command-line word: URLs cleaned (a webhook down to scheme and host), then the patterns."""
    if webhook and "://" in arg:
        return redact_url(arg, keep_path=False)
    return redact(_URL.sub(lambda m: redact_url(m.group(0)), arg))


def redact_command(command: str) -> str:
    """``scan.command`` with webhook URLs reduced to scheme and host and every secret redacted."""
    if not command:
        return command
    try:
        words = shlex.split(command)
    except ValueError:
        return redact_argument(command)
    out: list[str] = []
    webhook_next = False
    secret_next = False
    for word in words:
        name, eq, value = word.partition("=")
        if webhook_next:
            out.append(redact_argument(word, webhook=True))
        elif secret_next:
            out.append(_value_form(word) if len(word) >= 8 else "…")
        elif eq and name in _WEBHOOK_OPTIONS:
            out.append(f"{name}={redact_argument(value, webhook=True)}")
        elif eq and name.startswith("--") and _SECRET_KEY.search(name) and value:
            out.append(f"{name}={_value_form(value) if len(value) >= 8 else '…'}")
        else:
            out.append(redact_argument(word))
        webhook_next = word in _WEBHOOK_OPTIONS
        secret_next = word.startswith("--") and not eq and bool(_SECRET_KEY.search(word))
    return " ".join(shlex.quote(w) for w in out)


# -- the result's parts ---------------------------------------------------------------------------
# Mappings whose keys are chosen by users (tags, labels, environment): a key such as DB_PASSWORD
# marks its value as a credential. Model field names are never judged this way.
_FREE_MAPPINGS = frozenset({"tags", "labels", "annotations", "metadata", "environment", "env", "variables"})
_FINDING_TEXT = ("message", "key", "resource_id", "resource_name", "path", "account", "region", "evidence")


def _redact_fields(data: Any) -> Any:
    """Like redact_data, with the key rule only inside user-keyed mappings (``_FREE_MAPPINGS``)."""
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        for key, value in data.items():
            if isinstance(key, str) and key in _FREE_MAPPINGS and isinstance(value, dict):
                out[key] = redact_data(value)
            else:
                out[redact(key) if isinstance(key, str) else key] = _redact_fields(value)
        return out
    if isinstance(data, list):
        return [_redact_fields(item) for item in data]
    return redact(data) if isinstance(data, str) else data


_FIELD_KEYS: dict[type, re.Pattern[str]] = {}


def _field_keys(cls: type) -> re.Pattern[str]:
    """The JSON keys of a model and of the models inside it (``"startup_secrets":``): names the
    code chose, which must not make every resource of a kind look like it holds a secret."""
    pattern = _FIELD_KEYS.get(cls)
    if pattern is None:
        names: set[str] = set()
        todo: list[Any] = [cls]
        seen: set[Any] = set()
        while todo:
            model = todo.pop()
            if model in seen:
                continue
            seen.add(model)
            for name, info in getattr(model, "model_fields", {}).items():
                names.add(name)
                todo.extend(_nested_models(info.annotation))
        pattern = re.compile('"(?:' + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + ')":')
        _FIELD_KEYS[cls] = pattern
    return pattern


def _nested_models(annotation: Any) -> list[Any]:
    from typing import get_args

    found = [annotation] if isinstance(annotation, type) and hasattr(annotation, "model_fields") else []
    for arg in get_args(annotation):
        found += _nested_models(arg)
    return found


def could_hold_secret(model: Any, json_text: str | None = None) -> bool:
    """Quick test on a model's JSON: False is certain, True means look closer. A finding of a
    resource for which this is False carries only the resource's text and the check's own.
    ``json_text``: the model's JSON when the caller has it already (fields at their default may
    be left out: a default is the code's, never a user's text)."""
    if json_text is None:
        try:
            json_text = model.model_dump_json()
        except Exception:  # a value JSON cannot carry (a lone surrogate): look closer
            return True
    # Field names are the code's, not the user's: they are taken out before the trigger test
    # (a field named like "startup_secrets" is not a secret). Taking text out never adds a
    # trigger, so the raw text is tested first: most models have none and skip the substitution.
    if _triggered(json_text) and _triggered(_field_keys(type(model)).sub(":", json_text)):
        return True
    # a credential under a user-chosen key (tags: {"db_password": "..."}) has no trigger of its own
    fields = type(model).model_fields
    return any(_maybe_secret(value) or any(_secret_value(str(k), v) for k, v in value.items() if isinstance(v, str))
               for name in _FREE_MAPPINGS if name in fields and isinstance(value := getattr(model, name), dict))


def redact_resource(resource: T, *, suspicious: bool | None = None) -> T:
    """A resource with every secret in its strings redacted; the same object when it holds none.
    ``suspicious``: the caller's could_hold_secret answer, not computed again."""
    if not (could_hold_secret(resource) if suspicious is None else suspicious):
        return resource
    data = resource.model_dump(mode="python")  # type: ignore[attr-defined]
    cleaned = _redact_fields(data)
    if cleaned == data:  # a trigger word, no secret: keep the object
        return resource
    return type(resource).model_validate(cleaned)  # type: ignore[attr-defined, no-any-return]


def redact_finding(finding: T, json_text: str | None = None) -> T:
    """A finding with its free text redacted (message, key, resource identity, evidence); the same
    object when it holds none. ``json_text``: its JSON when the caller has it already."""
    if not could_hold_secret(finding, json_text):
        return finding
    current = {name: getattr(finding, name) for name in _FINDING_TEXT}
    update = {name: _redact_fields(value) for name, value in current.items()}
    if update == current:
        return finding
    return finding.model_copy(update=update)  # type: ignore[attr-defined, no-any-return]


def redact_errors(errors: Iterable[T]) -> list[T]:
    """Collection errors: a parse error may quote the secret on the offending line."""
    out: list[T] = []
    for error in errors:
        if could_hold_secret(error):
            data = error.model_dump(mode="python")  # type: ignore[attr-defined]
            cleaned = _redact_fields(data)
            if cleaned != data:
                error = type(error).model_validate(cleaned)  # type: ignore[attr-defined]
        out.append(error)
    return out
