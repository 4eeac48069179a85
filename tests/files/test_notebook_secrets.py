"""Notebook secrets: detect-secrets' detectors beside ours, one hit per value, nothing quoted.

The cases follow the families of detect-secrets' own plugin tests (keyword assignments in their
config, comparison and prefix/suffix forms, provider token formats), written here with our own
values. Recall must be at least detect-secrets' own with its default settings.
"""

from __future__ import annotations

import json
from pathlib import Path

from auditor.analysis.secrets import _hash, find_secrets
from auditor.collectors.base import CollectionSink
from auditor.collectors.files import FilesCollector
from auditor.resources import ModelArtifact, NotebookFile

from . import hostile

TOKEN = "Zq7" + "Lm2Xv9Rt4Wp8Kd"  # split so secret scanners of this repository stay quiet
ODD = "m{{k}q)w$" + "{z]pl(ain[words>-_$#tail}}"  # symbols a value may hold
TOKEN_40 = "a9Fk2LmQ" * 5

CASES: list[tuple[str, str]] = [
    # keyword families
    (f'DB_PASSWORD = "{TOKEN}"', TOKEN),
    (f'SECRET_KEY = "{TOKEN}"', TOKEN),
    (f'client_secret = "{TOKEN}"', TOKEN),
    (f"mysql_password='{TOKEN}'", TOKEN),
    (f'password = "{ODD}"', ODD),
    (f'my_password_super_secure = "{TOKEN}"', TOKEN),
    (f'api_key: "{TOKEN}"', TOKEN),
    (f"aws_secret_access_key: '{TOKEN}'", TOKEN),
    (f'if (db_pass != "{TOKEN}") {{', TOKEN),
    (f'if ("{TOKEN}" == my_super_password) {{', TOKEN),
    (f'secrete = "{TOKEN}"', TOKEN),
    (f'apikey := "{TOKEN}"', TOKEN),
    (f'private_key = "{TOKEN}"', TOKEN),
    # provider formats
    ("key = 'AKIA" + "Z7QW3EXAMPLEKEY7'", "AKIA" + "Z7QW3EXAMPLEKEY7"),
    ("t = 'ghp_" + TOKEN_40[:36] + "'", "ghp_" + TOKEN_40[:36]),
    ("glpat-" + TOKEN_40[:20], "glpat-" + TOKEN_40[:20]),
    ("glagent-" + TOKEN_40, "glagent-" + TOKEN_40),
    ("gldt-" + TOKEN_40[:24], "gldt-" + TOKEN_40[:24]),
    ("glsoat-" + TOKEN_40[:24], "glsoat-" + TOKEN_40[:24]),
    ("glcbt-" + TOKEN_40[:24], "glcbt-" + TOKEN_40[:24]),
    ("glimt-" + TOKEN_40[:24], "glimt-" + TOKEN_40[:24]),
    ("gloas-" + TOKEN_40[:24], "gloas-" + TOKEN_40[:24]),
    ("glptt-" + TOKEN_40[:24], "glptt-" + TOKEN_40[:24]),
    ("GR1348941" + TOKEN_40[:24], "GR1348941" + TOKEN_40[:24]),
    ("xox" + "b-1234567890-" + TOKEN_40[:24], "xox" + "b-1234567890-" + TOKEN_40[:24]),
    ("sk_" + "live_" + TOKEN_40[:24], "sk_" + "live_" + TOKEN_40[:24]),
    ("url = 'https://admin:" + TOKEN + "@db.internal/x'", TOKEN),
    ("npm_" + TOKEN_40[:36], "npm_" + TOKEN_40[:36]),
    ("pypi-AgEIcHlwaS5vcmc" + TOKEN_40 * 2, "pypi-AgEIcHlwaS5vcmc" + TOKEN_40 * 2),
    ("SG." + TOKEN_40[:22] + "." + TOKEN_40 + "abc", "SG." + TOKEN_40[:22] + "." + TOKEN_40 + "abc"),
    ("-----BEGIN RSA " + "PRIVATE KEY-----", "-----BEGIN RSA " + "PRIVATE KEY-----"),
    ("anthropic_api_key = 'sk-ant-api03-" + TOKEN_40 + "'", "sk-ant-api03-" + TOKEN_40),
]

BENIGN = """import os, getpass
password = getpass.getpass()
api_key = os.environ["OPENAI_API_KEY"]
token = None
secret = ""
client_secret = "${CLIENT_SECRET}"
db_password = "<your password>"
password = "changeme"
SECRET_KEY = settings.SECRET_KEY
print(f"loaded {len(df)} rows; api_key set: {api_key is not None}")
model_id = "bert-base-uncased"
run_id = "3f2b9c1e-8a7d-4c6b-9e1f-2a3b4c5d6e7f"
sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
url = "https://huggingface.co/datasets/squad"
password_field = form.password
pwd = os.getcwd()
"""


def detected(hits: list[str], secret: str) -> bool:
    return any(secret == value or (len(value) >= 8 and (secret in value or value in secret)) for value in hits)


def test_recall_is_at_least_detect_secrets_own() -> None:
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import default_settings

    ours = library = 0
    missed = []
    with default_settings():  # every detect-secrets plugin and filter, entropy included
        for line, secret in CASES:
            if _hash(secret) in [h.sha256 for h in find_secrets(line, library=True)]:
                ours += 1
            else:
                missed.append(line[:40])
            library += detected([s.secret_value for s in scan_line(line) if s.secret_value], secret)
    assert ours >= library, f"ours {ours}, detect-secrets {library}; missed {missed}"
    assert ours == len(CASES), missed


def test_named_keyword_cases_and_one_hit_per_value() -> None:
    for name in ("DB_PASSWORD", "SECRET_KEY", "client_secret", "mysql_password"):
        [hit] = find_secrets(f'{name} = "{TOKEN}"', library=True)
        assert hit.kind == "password_assignment"
    key = "sk-ant-api03-" + TOKEN_40
    hits = find_secrets(f'ANTHROPIC_API_KEY = "{key}"\nclient = Anthropic(api_key="{key}")', library=True)
    assert [h.kind for h in hits] == ["anthropic_api_key"]


def test_benign_notebook_code_has_no_hits() -> None:
    assert find_secrets(BENIGN, library=True) == []


def notebook(source: str) -> str:
    cell = {"cell_type": "code", "id": "c0", "execution_count": 1, "metadata": {}, "source": source, "outputs": []}
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]})


def test_notebook_hits_are_redacted_and_errors_quote_nothing(tmp_path: Path) -> None:
    (tmp_path / "control.pkl").write_bytes(hostile.payload())
    (tmp_path / "leaky.ipynb").write_text(notebook(f'DB_PASSWORD = "{TOKEN}"\n' + BENIGN))
    access_key, secret_key = "AKIA" + "Z7QW3EXAMPLEKEY7", TOKEN_40
    (tmp_path / "broken.ipynb").write_text(f'{{"aws_access_key_id": "{access_key}", "aws_secret_access_key": "{secret_key}" oops')
    sink = CollectionSink()
    FilesCollector([tmp_path]).collect(sink)
    books = {r.ref.id: r for r in sink.resources if isinstance(r, NotebookFile)}
    assert [h.kind for h in books["leaky.ipynb"].secrets or []] == ["password_assignment"]
    assert any(isinstance(r, ModelArtifact) and r.code_execution for r in sink.resources)
    text = json.dumps([r.model_dump(mode="json") for r in sink.resources] + [e.model_dump() for e in sink.errors])
    assert TOKEN not in text and access_key[:8] not in text and secret_key[:10] not in text
    [error] = [e for e in sink.errors if e.path == "broken.ipynb"]
    assert error.incomplete and "not valid JSON" in error.message and "line 1" in error.message
