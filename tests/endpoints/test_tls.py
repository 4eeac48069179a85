"""TLS inspection against loopback TLS servers with trustme and self-made certificates."""

from __future__ import annotations

import asyncio
import ssl
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from auditor.collectors.endpoints.tls import inspect_tls
from auditor.resources import TLSInfo

NOW = datetime.now(UTC)


def _server_ctx(cert_pem: bytes, key_pem: bytes, tmp: Path, *, legacy: bool = False, max12: bool = False) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    (tmp / "c.pem").write_bytes(cert_pem)
    (tmp / "k.pem").write_bytes(key_pem)
    ctx.load_cert_chain(tmp / "c.pem", tmp / "k.pem")
    if legacy:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if max12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def _inspect(ctx: ssl.SSLContext, host: str = "127.0.0.1", ca_bundle: str | None = None) -> TLSInfo:
    async def go() -> TLSInfo:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await inspect_tls(host, port, timeout=3.0, ca_bundle=ca_bundle)

    return asyncio.run(go())


def _trustme_ctx(tmp: Path, *names: str, ca: trustme.CA | None = None, **kw: object) -> tuple[ssl.SSLContext, trustme.CA]:
    ca = ca or trustme.CA()
    cert = ca.issue_cert(*names, **kw)  # type: ignore[arg-type]
    return _server_ctx(cert.cert_chain_pems[0].bytes(), cert.private_key_pem.bytes(), tmp), ca


def test_good_certificate_from_a_trusted_ca(tmp_path: Path) -> None:
    ctx, ca = _trustme_ctx(tmp_path, "127.0.0.1")
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    info = _inspect(ctx, ca_bundle=str(tmp_path / "ca.pem"))
    assert info.version == "TLSv1.3" and info.min_version == "TLSv1.3"
    assert (info.cert_expired, info.cert_self_signed, info.cert_name_mismatch) == (False, False, False)
    assert info.cert_not_after is not None and info.cert_not_after > NOW
    assert info.detail and "chain trusted" in info.detail


def test_untrusted_chain_is_noted_without_a_ca_bundle(tmp_path: Path) -> None:
    ctx, _ = _trustme_ctx(tmp_path, "127.0.0.1")
    info = _inspect(ctx)
    assert info.detail and "chain not trusted" in info.detail
    assert info.cert_self_signed is False


def test_expired_certificate(tmp_path: Path) -> None:
    ctx, _ = _trustme_ctx(tmp_path, "127.0.0.1", not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=1))
    info = _inspect(ctx)
    assert info.cert_expired is True
    assert info.cert_not_after is not None and info.cert_not_after < NOW


def test_certificate_for_another_name(tmp_path: Path) -> None:
    ctx, _ = _trustme_ctx(tmp_path, "mlflow.example.com")
    info = _inspect(ctx)
    assert info.cert_name_mismatch is True
    ctx2, _ = _trustme_ctx(tmp_path, "*.example.com")
    assert _inspect(ctx2, host="localhost").cert_name_mismatch is True


def test_name_match_by_dns_name(tmp_path: Path) -> None:
    ctx, _ = _trustme_ctx(tmp_path, "localhost")
    assert _inspect(ctx, host="localhost").cert_name_mismatch is False


def test_self_signed_certificate(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "notebook")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("notebook")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    ctx = _server_ctx(
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        tmp_path,
    )
    info = _inspect(ctx)
    assert info.cert_self_signed is True
    assert info.cert_name_mismatch is True  # issued for "notebook", reached as 127.0.0.1
    assert info.cert_expired is False


def test_tls12_only_server(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ctx = _server_ctx(cert.cert_chain_pems[0].bytes(), cert.private_key_pem.bytes(), tmp_path, max12=True)
    info = _inspect(ctx)
    assert info.version == "TLSv1.2" and info.min_version == "TLSv1.2"


def test_server_accepting_tls10_or_11_is_seen(tmp_path: Path) -> None:
    ca = trustme.CA(key_type=trustme.KeyType.RSA)
    cert = ca.issue_cert("127.0.0.1", key_type=trustme.KeyType.RSA)
    ctx = _server_ctx(cert.cert_chain_pems[0].bytes(), cert.private_key_pem.bytes(), tmp_path, legacy=True)
    info = _inspect(ctx)
    assert info.version == "TLSv1.3"
    if info.min_version is None:
        pytest.fail("this OpenSSL build cannot offer TLS 1.0/1.1 as a client, so legacy acceptance is untestable")
    assert info.min_version in ("TLSv1", "TLSv1.1")


def test_not_tls_at_all_gives_an_empty_info_with_the_reason() -> None:
    async def go() -> TLSInfo:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        async with server:
            return await inspect_tls("127.0.0.1", server.sockets[0].getsockname()[1], timeout=2.0)

    info = asyncio.run(go())
    assert info.version is None and info.cert_expired is None
    assert info.detail and info.detail.startswith("TLS handshake failed")
