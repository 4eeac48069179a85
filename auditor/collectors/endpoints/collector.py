"""EndpointCollector: probe targets, recognise ML services, and report them as ``Service``s."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from auditor.collectors.base import CollectionError, CollectionSink
from auditor.collectors.endpoints.body import DEFAULT_MAX_BODY, DEFAULT_MAX_RATIO, ProbeError
from auditor.collectors.endpoints.fingerprints import Classification, classify, identify
from auditor.collectors.endpoints.http import DEFAULT_TARGET_TIMEOUT, Prober, ProbeSettings, TargetSession
from auditor.collectors.endpoints.targets import DEFAULT_MAX_HOSTS, DEFAULT_ML_PORTS, Target, parse_targets
from auditor.collectors.endpoints.tls import inspect_tls
from auditor.resources import Provider, Ref, Service, TLSInfo


@dataclass(frozen=True)
class ProbeOutcome:
    """What happened at one target, for the command's summary table."""

    target: Target
    state: str  # "service", "http" (answers, not an ML service we know), "closed"
    service: Service | None = None
    note: str = ""


class EndpointCollector:
    """Probe URLs, host:port pairs, hosts (default ML ports) and CIDR ranges with GET requests only."""

    name: ClassVar[str] = "endpoints"
    # everything this collector does on the network, as counted in the sink: no other method
    OPERATIONS: ClassVar[frozenset[str]] = frozenset({"tcp:connect", "http:GET", "tls:handshake"})

    def __init__(
        self,
        targets: Sequence[str],
        *,
        max_hosts: int = DEFAULT_MAX_HOSTS,
        concurrency: int = 64,
        per_host: int = 4,
        timeout: float = 3.0,
        read_timeout: float | None = None,
        ca_bundle: str | None = None,
        ports: Sequence[int] = DEFAULT_ML_PORTS,
        inspect_certificates: bool = True,
        host_header: str | None = None,
        target_timeout: float = DEFAULT_TARGET_TIMEOUT,
        max_body: int = DEFAULT_MAX_BODY,
        max_ratio: float = DEFAULT_MAX_RATIO,
    ) -> None:
        """Raises TargetError (naming the bad target) before any request is sent."""
        self.raw_targets = list(targets)
        self.targets = parse_targets(self.raw_targets, max_hosts=max_hosts, ports=ports)
        self.settings = ProbeSettings(
            concurrency=max(1, concurrency),
            per_host=max(1, per_host),
            connect_timeout=timeout,
            read_timeout=read_timeout if read_timeout is not None else max(timeout, 5.0),
            host_header=host_header,
            target_timeout=target_timeout,
            max_body=max(1, max_body),
            max_ratio=max_ratio,
        )
        self.ca_bundle = ca_bundle
        self.inspect_certificates = inspect_certificates
        self.outcomes: list[ProbeOutcome] = []

    def scope(self) -> str:
        return f"endpoints-{len(self.targets)}-targets"

    def collect(self, sink: CollectionSink) -> None:
        self.outcomes = asyncio.run(self.probe_all(sink))

    async def probe_all(self, sink: CollectionSink) -> list[ProbeOutcome]:
        gate = asyncio.Semaphore(self.settings.concurrency)
        sink.progress(f"probing {len(self.targets)} targets")
        async with Prober(self.settings, on_request=sink.call) as prober:

            async def one(target: Target) -> ProbeOutcome:
                async with gate, prober.host_slot(target.host):
                    try:
                        return await asyncio.wait_for(self._probe(prober, target, sink), self.settings.target_timeout)
                    except TimeoutError:
                        return self._failed(
                            sink, target, f"probe stopped after {self.settings.target_timeout:g} s: the target "
                            "answers too slowly to be judged (total time per target, --target-timeout)"
                        )
                    except ProbeError as exc:  # a compression bomb, an unknown or corrupt encoding
                        return self._failed(sink, target, str(exc))
                    except Exception as exc:  # one odd server must not end the scan
                        return self._failed(sink, target, f"probe failed: {exc!r}"[:300], incomplete=False)
                    finally:
                        self._report_truncated(prober, target, sink)

            return list(await asyncio.gather(*(one(t) for t in self.targets)))

    def _failed(self, sink: CollectionSink, target: Target, message: str, *, incomplete: bool = True) -> ProbeOutcome:
        """A target that could not be judged: a named error, never a quiet "closed"."""
        sink.error(
            CollectionError(
                source=self.name, resource=target.url(), operation="http:GET", message=message, incomplete=incomplete
            )
        )
        return ProbeOutcome(target, "error", note=message[:200])

    def _report_truncated(self, prober: Prober, target: Target, sink: CollectionSink) -> None:
        """Bodies cut at --max-body: judged on their start, and said so once per target."""
        bases = tuple(target.url(scheme) + "/" for scheme in ("http", "https"))
        cut = [u for u in prober.truncated if u.startswith(bases)]
        if not cut:
            return
        message = prober.truncated[cut[0]]
        for url in cut:
            del prober.truncated[url]
        more = f" ({len(cut)} responses, the first {cut[0]})" if len(cut) > 1 else ""
        sink.error(CollectionError(source=self.name, resource=cut[0] if len(cut) == 1 else target.url(),
                                   operation="http:GET", message=message + more))

    async def _probe(self, prober: Prober, target: Target, sink: CollectionSink) -> ProbeOutcome:
        opened = await prober.open(target)
        if opened.scheme is None:
            if target.explicit:
                sink.error(
                    CollectionError(
                        source=self.name,
                        resource=target.url(),
                        operation="http:GET",
                        message=f"no HTTP answer from {target.netloc}: " + "; ".join(opened.attempts),
                    )
                )
            return ProbeOutcome(target, "closed", note=opened.reason)
        session = TargetSession(prober, target, opened.scheme, opened.first)
        found = await identify(session.fetch, fetched=list(session.cache))
        if found is None:
            return ProbeOutcome(target, "http", note=f"{session.base}: answers HTTP, no known ML service")
        result = await classify(session.fetch, found)
        tls_info: TLSInfo | None = None
        if opened.scheme == "https" and self.inspect_certificates:
            sink.call("tls:handshake", 3)
            tls_info = await inspect_tls(
                target.host,
                target.port,
                timeout=self.settings.connect_timeout,
                ca_bundle=self.ca_bundle,
                server_name=self.settings.host_header,
            )
        service = to_service(session.base, target, result, tls=opened.scheme == "https", tls_info=tls_info)
        sink.add(service)
        sink.progress(f"{service.url}: {service.product} {service.version or '(version unknown)'}")
        return ProbeOutcome(target, "service", service)


def to_service(base_url: str, target: Target, result: Classification, *, tls: bool, tls_info: TLSInfo | None) -> Service:
    return Service(
        ref=Ref(provider=Provider.NETWORK, id=base_url, name=f"{result.product} at {target.netloc}"),
        url=base_url,
        host=target.host,
        port=target.port,
        service=result.service,
        product=result.product,
        package=result.package,
        package_ecosystem=result.ecosystem,
        version=result.version,
        auth_required=result.auth_required,
        auth_detail=result.auth_detail,
        runs_code=result.runs_code,
        tls=tls,
        tls_info=tls_info,
    )
