"""TLS inspection with the ssl module: protocol, legacy-protocol acceptance, and the certificate.

Three short handshakes, nothing sent after them: one as a current client (negotiated protocol
and the leaf certificate, read without verification so that a bad certificate is still seen),
one offering only TLS 1.0/1.1 (does the server still accept them?), and one that verifies the
chain against the system store or ``--ca-bundle`` (trusted issuer?).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
import warnings
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from auditor.resources import TLSInfo


async def inspect_tls(
    host: str,
    port: int,
    *,
    timeout: float = 3.0,
    ca_bundle: str | None = None,
    now: datetime | None = None,
    server_name: str | None = None,
) -> TLSInfo:
    """``server_name``: the name clients use (SNI and the name check); the address by default."""
    now = now or datetime.now(UTC)
    name = server_name or host
    try:
        version, der = await _handshake(host, port, _unverified_context(), timeout, name)
    except (OSError, ssl.SSLError, TimeoutError) as exc:
        return TLSInfo(detail=f"TLS handshake failed: {_short(exc)}")
    notes = []
    min_version = await _legacy_accepted(host, port, timeout, name)
    if min_version is None:
        notes.append("could not test TLS 1.0/1.1 acceptance")
    elif min_version == "":
        min_version = version
    if der is None:
        return TLSInfo(version=version, min_version=min_version, detail="the server sent no certificate")
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        return TLSInfo(version=version, min_version=min_version, detail=f"unreadable certificate: {exc}")
    not_after = cert.not_valid_after_utc
    expired = now > not_after or now < cert.not_valid_before_utc
    self_signed = _self_signed(cert)
    mismatch = not _name_matches(cert, name)
    trusted = await _trusted(host, port, timeout, ca_bundle, name)
    if trusted is not None:
        notes.append(trusted)
    notes.append("subject " + _cn(cert))
    return TLSInfo(
        version=version,
        min_version=min_version,
        cert_expired=expired,
        cert_self_signed=self_signed,
        cert_name_mismatch=mismatch,
        cert_not_after=not_after,
        detail="; ".join(notes),
    )


def _unverified_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def _handshake(
    host: str, port: int, ctx: ssl.SSLContext, timeout: float, name: str
) -> tuple[str | None, bytes | None]:
    server_hostname = None if _is_ip(name) else name
    _reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, ssl=ctx, server_hostname=server_hostname), timeout
    )
    try:
        sslobj = writer.get_extra_info("ssl_object")
        return sslobj.version(), sslobj.getpeercert(binary_form=True)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


async def _legacy_accepted(host: str, port: int, timeout: float, name: str) -> str | None:
    """The legacy protocol the server accepted, "" if it refused both, None if untestable here."""
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with warnings.catch_warnings():  # offering the deprecated protocols is the point here
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        return None
    try:
        version, _ = await _handshake(host, port, ctx, timeout, name)
    except (ssl.SSLError, ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
        return ""  # an alert or a reset: the server refused TLS 1.0/1.1
    except (OSError, TimeoutError):
        return None
    return version or ""


async def _trusted(host: str, port: int, timeout: float, ca_bundle: str | None, name: str) -> str | None:
    ctx = ssl.create_default_context(cafile=ca_bundle)
    ctx.check_hostname = False  # the name is judged on its own (cert_name_mismatch)
    try:
        await _handshake(host, port, ctx, timeout, name)
    except ssl.SSLCertVerificationError as exc:
        return f"chain not trusted: {exc.verify_message}"
    except (OSError, ssl.SSLError, TimeoutError):
        return None
    return "chain trusted"


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):  # not signed by its own key
        return False
    return True


def _name_matches(cert: x509.Certificate, host: str) -> bool:
    san: x509.SubjectAlternativeName | None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    if _is_ip(host):
        wanted = ipaddress.ip_address(host)
        return san is not None and wanted in san.get_values_for_type(x509.IPAddress)
    names = san.get_values_for_type(x509.DNSName) if san is not None else [_cn(cert)]
    return any(_dns_match(pattern, host) for pattern in names)


def _dns_match(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host


def _cn(cert: x509.Certificate) -> str:
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else "(no CN)"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _short(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:200]
