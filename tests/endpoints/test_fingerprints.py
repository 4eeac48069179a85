"""Fingerprint data applied to recorded answers: identification, version, honest auth classes."""

from __future__ import annotations

import asyncio

import pytest

from auditor.collectors.endpoints.fingerprints import Reply, classify, identify, load_fingerprints

from .recorded import EXPECTED, RECORDED


def _fetcher(key: str, asked: list[str] | None = None):
    answers = RECORDED[key]

    async def fetch(path: str) -> Reply | None:
        if asked is not None:
            asked.append(path)
        status, headers, body = answers.get(path, (404, {}, "Not Found"))
        return Reply(status, headers, body)

    return fetch


def _run(key: str):
    async def go():
        fetch = _fetcher(key)
        found = await identify(fetch)
        return None if found is None else await classify(fetch, found)

    return asyncio.run(go())


@pytest.mark.parametrize("key", list(EXPECTED))
def test_recorded_answers_classify_exactly(key: str) -> None:
    result = _run(key)
    assert result is not None, f"{key} not recognised"
    service, product, version, auth, detail = EXPECTED[key]
    assert (result.service, result.product, result.version, result.auth_required) == (service, product, version, auth)
    assert result.auth_detail.startswith(detail), result.auth_detail


def test_every_fingerprint_entry_is_exercised() -> None:
    ids = {spec.id for spec in load_fingerprints()}
    assert ids == {e[0] for e in EXPECTED.values()}


def test_unknown_http_service_is_not_an_ml_service() -> None:
    assert _run("nginx_default") is None


def test_host_guards_are_unknown_not_authenticated() -> None:
    for key in ("jupyter_host_guard", "mlflow_host_guard"):
        result = _run(key)
        assert result is not None and result.auth_required is None
        assert result.auth_detail.startswith("host guard")


def test_hidden_version_is_none() -> None:
    for key in ("mlflow_auth", "ray_token", "torchserve_token"):
        result = _run(key)
        assert result is not None and result.version is None


def test_auth_is_judged_on_a_data_endpoint_not_the_landing_page() -> None:
    asked: list[str] = []

    async def go():
        fetch = _fetcher("ray_token", asked)
        found = await identify(fetch)
        assert found is not None
        return await classify(fetch, found)

    result = asyncio.run(go())
    # Ray's landing page answers 200 even with token auth; the jobs API decides
    assert RECORDED["ray_token"]["/"][0] == 200
    assert result.auth_required is True and "/api/jobs/" in asked


def test_unexpected_answer_leaves_auth_unknown() -> None:
    RECORDED["mlflow_odd"] = {**RECORDED["mlflow_open"], "/api/2.0/mlflow/experiments/search?max_results=1": (500, {}, "boom")}
    try:
        result = _run("mlflow_odd")
    finally:
        del RECORDED["mlflow_odd"]
    assert result is not None and result.auth_required is None
    assert "-> 500" in result.auth_detail


def test_landing_page_match_costs_no_extra_requests() -> None:
    asked: list[str] = []

    async def go():
        fetch = _fetcher("mlflow_open", asked)
        await fetch("/")
        return await identify(fetch, fetched=["/"])

    found = asyncio.run(go())
    assert found is not None and found.spec.id == "mlflow"
    assert set(asked) == {"/"}, "no path beyond the landing page was requested"
