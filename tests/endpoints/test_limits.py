"""The prober's limits: bounded decoding of response bodies, and the options that set every limit."""

from __future__ import annotations

import gzip
import zlib

import pytest

from auditor.collectors.endpoints.body import ProbeError, ProbeLimitError, decode_body, encodings
from auditor.collectors.sdk_limits import SdkLimits
from auditor.config import ConfigError, source_config
from auditor.targets import collectors_for_sources

MAX = 512 * 1024


def _zeros_gzip(size: int) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    return comp.compress(bytes(size)) + comp.flush()


def test_codings_are_undone_last_applied_first() -> None:
    assert encodings("gzip, deflate") == ["deflate", "gzip"]
    assert encodings("identity") == [] and encodings(None) == []


def test_an_honest_compressed_page_is_decoded() -> None:
    page = b"<html><title>Jupyter Server</title></html>" * 50
    assert decode_body(gzip.compress(page), "gzip", max_body=MAX, max_ratio=100) == (page, False)
    assert decode_body(zlib.compress(page), "deflate", max_body=MAX, max_ratio=100) == (page, False)
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = raw_deflate.compress(page) + raw_deflate.flush()
    assert decode_body(body, "deflate", max_body=MAX, max_ratio=100) == (page, False)


def test_a_gzip_bomb_is_refused_by_ratio_without_inflating_it() -> None:
    bomb = _zeros_gzip(64 << 20)
    with pytest.raises(ProbeLimitError, match="more than 100:1"):
        decode_body(bomb, "gzip", max_body=MAX, max_ratio=100)


def test_three_layers_are_refused_at_the_first_that_expands_too_much() -> None:
    body = gzip.compress(gzip.compress(_zeros_gzip(64 << 20)))
    assert len(body) < 4096
    with pytest.raises(ProbeLimitError, match="--max-decompression-ratio"):
        decode_body(body, "gzip, gzip, gzip", max_body=MAX, max_ratio=100)


def test_a_higher_ratio_lets_the_start_be_read_and_says_it_was_cut() -> None:
    data, cut = decode_body(_zeros_gzip(4 << 20), "gzip", max_body=MAX, max_ratio=10_000)
    assert len(data) == MAX and cut


def test_gzip_members_one_after_another_are_all_read() -> None:
    assert decode_body(gzip.compress(b"ab") + gzip.compress(b"cd"), "gzip", max_body=MAX, max_ratio=100) == (b"abcd", False)


@pytest.mark.parametrize(("body", "coding", "words"), [
    (b"hello", "br", "unsupported Content-Encoding 'br'"),
    (b"\x1f\x8b\x08\x00garbage", "gzip", "not valid gzip"),
    (b"plain text", "deflate", "not valid deflate"),
])
def test_unknown_or_corrupt_codings_are_named(body: bytes, coding: str, words: str) -> None:
    with pytest.raises(ProbeError, match=words):
        decode_body(body, coding, max_body=MAX, max_ratio=100)


def test_endpoint_limits_from_the_config_section() -> None:
    [collector] = collectors_from_config({"targets": ["127.0.0.1:8888"], "read_timeout": 7, "target_timeout": 9,
                                          "max_body": 1000, "max_decompression_ratio": 50})
    s = collector.settings  # type: ignore[attr-defined]
    assert (s.read_timeout, s.target_timeout, s.max_body, s.max_ratio) == (7.0, 9.0, 1000, 50.0)


def test_a_limit_below_zero_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"sources\.endpoints\.target_timeout: Input should be greater than 0"):
        collectors_from_config({"targets": ["127.0.0.1:8888"], "target_timeout": -1})


def test_sdk_limits_defaults_and_values() -> None:
    assert SdkLimits() == SdkLimits(10.0, 30.0, 4) and SdkLimits().retries == 3
    limits = SdkLimits(connect_timeout=2.0, read_timeout=3.0, max_attempts=1)
    assert limits.timeout == (2.0, 3.0) and limits.retries == 0
    config = limits.botocore_config()
    assert (config.connect_timeout, config.read_timeout) == (2.0, 3.0)


@pytest.mark.parametrize("attempts", [1, 2])
def test_max_attempts_is_how_many_requests_botocore_sends(attempts: int) -> None:
    """The first attempt included: a real botocore client against a loopback server that always fails."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import boto3
    from botocore.exceptions import ClientError

    seen: list[str] = []

    class Failing(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(self.path)
            body = b"<ErrorResponse><Error><Code>InternalFailure</Code><Message>no</Message></Error></ErrorResponse>"
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = boto3.Session(aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1").client(
            "sts", endpoint_url=f"http://127.0.0.1:{server.server_port}",
            config=SdkLimits(connect_timeout=2.0, read_timeout=3.0, max_attempts=attempts).botocore_config())
        with pytest.raises(ClientError):
            client.get_caller_identity()
    finally:
        server.shutdown()
    assert len(seen) == attempts


def test_sdk_limits_from_auditor_yaml_sections() -> None:
    from auditor.config import AwsSourceConfig, AzureSourceConfig, GcpSourceConfig, K8sSourceConfig
    from auditor.sources.common import sdk_limits

    aws = AwsSourceConfig.model_validate({"profile": "p", "read_timeout": 5, "max_attempts": 2})
    assert sdk_limits(aws) == SdkLimits(read_timeout=5.0, max_attempts=2)
    for section in (GcpSourceConfig, AzureSourceConfig, K8sSourceConfig):
        assert sdk_limits(section.model_validate({"connect_timeout": 2})).connect_timeout == 2.0
    with pytest.raises(ValueError):
        AwsSourceConfig.model_validate({"read_timeout": 0})


def collectors_from_config(section: dict) -> list:
    return collectors_for_sources(source_config("endpoints", section))
