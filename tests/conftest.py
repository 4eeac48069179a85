from __future__ import annotations

import os

import pytest

# Never let a test reach a real cloud: fake credentials, a fixed region.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
os.environ.pop("AWS_PROFILE", None)
# Scans store their history by default; tests that want a store pass their own temporary one.
os.environ.setdefault("AUDITOR_STORE", "off")


@pytest.fixture
def registry():
    from auditor.registry import Registry

    return Registry.default(entry_points=False)
