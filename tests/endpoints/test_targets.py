"""Target parsing: URLs, host:port, bare hosts, CIDR ranges with a cap, targets files."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.collectors.endpoints.targets import (
    DEFAULT_ML_PORTS,
    Target,
    TargetError,
    parse_targets,
    read_targets_file,
)


def test_default_ports_are_the_catalog_ml_ports() -> None:
    assert sorted(DEFAULT_ML_PORTS) == sorted(
        [8888, 8889, 5000, 8265, 10001, 6379, 6006, 8080, 8081, 8000, 8001, 8002, 7860, 8501, 11434]
    )


def test_url_keeps_scheme_port_and_base_path() -> None:
    assert parse_targets(["https://ml.example.com/jupyter/"]) == [Target("ml.example.com", 443, "https", "/jupyter")]
    assert parse_targets(["http://10.1.2.3:5000"]) == [Target("10.1.2.3", 5000, "http", "")]
    assert parse_targets(["https://ml.example.com/jupyter/"])[0].url() == "https://ml.example.com:443/jupyter"


def test_host_port_and_ipv6() -> None:
    assert parse_targets(["mlflow.internal:5000"]) == [Target("mlflow.internal", 5000)]
    assert parse_targets(["[::1]:8888"]) == [Target("::1", 8888)]
    assert parse_targets(["[::1]:8888"])[0].netloc == "[::1]:8888"


def test_bare_host_expands_to_default_ports_not_explicit() -> None:
    targets = parse_targets(["10.0.0.7"])
    assert [t.port for t in targets] == list(DEFAULT_ML_PORTS)
    assert not any(t.explicit for t in targets)
    assert len(parse_targets(["::1"])) == len(DEFAULT_ML_PORTS)


def test_cidr_ranges_and_port_suffix() -> None:
    assert len(parse_targets(["10.0.0.0/30"])) == 2 * len(DEFAULT_ML_PORTS)
    assert parse_targets(["10.0.0.0/30:8265"]) == [Target("10.0.0.1", 8265), Target("10.0.0.2", 8265)]
    assert parse_targets(["10.0.0.9/32:80"]) == [Target("10.0.0.9", 80)]
    assert len(parse_targets(["[fd00::/126]:8888"])) == 3


def test_cidr_cap_is_checked_before_expanding() -> None:
    with pytest.raises(TargetError, match=r"10\.0\.0\.0/8: .* 16777214 hosts, over the limit of 4096; raise it with --max-hosts"):
        parse_targets(["10.0.0.0/8"])
    with pytest.raises(TargetError, match="over the limit of 300"):
        parse_targets(["10.0.0.0/24", "10.0.1.0/25"], max_hosts=300)
    assert len(parse_targets(["10.0.0.0/22"], max_hosts=1022, ports=[80])) == 1022


def test_duplicates_collapse_and_order_is_kept() -> None:
    assert parse_targets(["b:1", "a:1", "b:1"]) == [Target("b", 1), Target("a", 1)]


@pytest.mark.parametrize("bad", ["ftp://x", "host:0", "host:99999", "host:abc", "bad host", "10.0.0.0/33", "[::1]x", "http://"])
def test_bad_targets_name_themselves(bad: str) -> None:
    with pytest.raises(TargetError, match=bad.replace("[", r"\[").replace(".", r"\.").split(":")[0] or "."):
        parse_targets([bad])


def test_targets_file_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "targets.txt"
    path.write_text("# lab servers\n10.0.0.5:8888  # jupyter\n\nhttps://mlflow.internal\n")
    assert read_targets_file(path) == ["10.0.0.5:8888", "https://mlflow.internal"]
    with pytest.raises(TargetError, match=r"missing\.txt"):
        read_targets_file(tmp_path / "missing.txt")
