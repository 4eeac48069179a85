from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"

@contextmanager
def moto_account() -> Iterator[None]:
    """An in-process moto account (123456789012) with throwaway credentials, environment restored
    after: the same set-up the demo uses."""
    from auditor.demo import demo_environment

    with demo_environment():
        yield


@pytest.fixture
def aws() -> Iterator[None]:
    with moto_account():
        yield


@pytest.fixture(scope="session")
def moto_account_cm() -> object:
    """``moto_account`` for module-scoped fixtures (which cannot use the function-scoped one)."""
    return moto_account
