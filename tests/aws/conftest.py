from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def moto_account() -> Iterator[None]:
    """An in-process moto account (123456789012) with fake credentials, environment restored after."""
    from moto import mock_aws

    saved = {k: os.environ.get(k) for k in (*FAKE_ENV, "AWS_ENDPOINT_URL", "AWS_PROFILE")}
    os.environ.update(FAKE_ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    try:
        with mock_aws():
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def aws() -> Iterator[None]:
    with moto_account():
        yield


@pytest.fixture(scope="session")
def moto_account_cm() -> object:
    """``moto_account`` for module-scoped fixtures (which cannot use the function-scoped one)."""
    return moto_account
