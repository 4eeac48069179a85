"""The check registry: validation on load, --checks-dir, selection, the kind index, `auditor
checks list`, and the import budget of the CLI and registry."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.findings import Result, Severity, Status, passed
from auditor.registry import CheckContext, Registry, RegistryError, check
from auditor.resources import Bucket, FirewallRule, Ref, Resource

ROOT = Path(__file__).resolve().parent.parent

USER_CHECK = '''
"""A user's own check, as it would sit in a --checks-dir folder."""
from auditor.findings import Result, Severity, fail, passed
from auditor.registry import check
from auditor.resources import Bucket


@check(id="bucket_team_tag_missing", severity=Severity.LOW, title="Bucket has no team tag",
       description="Every bucket must carry a team tag.", remediation="Add a team tag.")
def bucket_team_tag_missing(bucket: Bucket) -> Result:
    return passed("tagged") if "team" in bucket.tags else fail("no team tag")
'''


def _bucket(**fields: object) -> Bucket:
    return Bucket(ref=Ref(provider="aws", cloud="aws", id="arn:aws:s3:::b", name="b"), **fields)  # type: ignore[arg-type]


def _valid(check_id: str = "bucket_demo_check", **overrides: object):
    meta: dict = {"id": check_id, "severity": Severity.LOW, "title": "t", "description": "d", "remediation": "r"}
    meta.update(overrides)

    @check(**meta)
    def demo(bucket: Bucket) -> Result:
        return passed("ok")

    return demo


# -- validation on load -----------------------------------------------------------------------


def test_a_valid_check_is_added_with_kind_from_annotation() -> None:
    registry = Registry()
    spec = registry.add(_valid())
    assert spec.kind is Bucket
    assert spec.takes_context is False
    assert registry.ids() == ["bucket_demo_check"]
    assert spec.run(_bucket(), CheckContext())[0].status == Status.PASS


def test_duplicate_id_is_rejected_naming_the_first_origin() -> None:
    registry = Registry()
    registry.add(_valid(), origin="first.py")
    with pytest.raises(RegistryError, match=r"'bucket_demo_check' from second.py: duplicate id \(already defined in first.py\)"):
        registry.add(_valid(), origin="second.py")
    assert len(registry) == 1


@pytest.mark.parametrize(
    ("bad_id", "reason"),
    [
        ("BucketDemo", "snake_case"),
        ("bucket", "snake_case with at least two words"),
        ("bucket__double", "snake_case"),
        ("bucket-demo", "snake_case"),
        ("2bucket_demo", "snake_case"),
        ("storage_public", "family word"),
    ],
)
def test_malformed_ids_are_rejected(bad_id: str, reason: str) -> None:
    with pytest.raises(RegistryError, match=reason) as info:
        Registry().add(_valid(bad_id))
    assert repr(bad_id) in str(info.value)


def test_unknown_kind_is_rejected() -> None:
    @check(id="bucket_no_kind", severity="low", title="t", description="d", remediation="r")
    def no_annotation(resource):  # type: ignore[no-untyped-def]
        return None

    @check(id="bucket_wrong_kind", severity="low", title="t", description="d", remediation="r")
    def wrong_annotation(resource: dict) -> None:
        return None

    class NotAKind(Resource):
        kind = "NotAKind"

    @check(id="bucket_unlisted_kind", severity="low", title="t", description="d", remediation="r", kind=NotAKind)
    def unlisted(resource: Resource) -> None:
        return None

    for func in (no_annotation, wrong_annotation, unlisted):
        with pytest.raises(RegistryError, match="unknown resource kind"):
            Registry().add(func)


@pytest.mark.parametrize("field", ["title", "remediation", "description"])
def test_missing_metadata_is_rejected(field: str) -> None:
    with pytest.raises(RegistryError, match=f"missing {field}"):
        Registry().add(_valid(**{field: "  "}))


def test_description_defaults_to_the_docstring() -> None:
    @check(id="bucket_documented", severity="low", title="t", remediation="r")
    def documented(bucket: Bucket) -> None:
        """What fails, in our words."""

    assert Registry().add(documented).description == "What fails, in our words."


def test_undecorated_function_and_bad_signature_are_rejected() -> None:
    def plain(bucket: Bucket) -> None:
        return None

    with pytest.raises(RegistryError, match="not decorated with @check"):
        Registry().add(plain, origin="mine.py")

    @check(id="bucket_three_args", severity="low", title="t", description="d", remediation="r")
    def three(bucket: Bucket, ctx: CheckContext, extra: int) -> None:
        return None

    with pytest.raises(RegistryError, match=r"takes \(resource\) or \(resource, ctx\)"):
        Registry().add(three)


def test_unknown_severity_fails_at_declaration() -> None:
    with pytest.raises(ValueError, match="severe"):
        _valid(severity="severe")


def test_all_problems_are_reported_at_once() -> None:
    @check(id="Bad", severity="low", title="", description="d", remediation="r")
    def bad(resource: int) -> None:
        return None

    with pytest.raises(RegistryError) as info:
        Registry().add(bad)
    message = str(info.value)
    for part in ("snake_case", "family word", "unknown resource kind", "missing title"):
        assert part in message


def test_context_checks_and_result_shapes() -> None:
    @check(id="bucket_ctx", severity="low", title="t", description="d", remediation="r", clouds=["gcp"])
    def with_ctx(bucket: Bucket, ctx: CheckContext) -> list[Result]:
        limit = ctx.option("bucket_ctx", "limit", 1)
        return [passed(f"#{i}", key=str(i)) for i in range(limit)]

    spec = Registry().add(with_ctx)
    assert spec.takes_context
    assert [r.key for r in spec.run(_bucket(), CheckContext(options={"bucket_ctx": {"limit": 3}}))] == ["0", "1", "2"]
    assert not spec.applies_to(_bucket())  # an aws bucket; the check is gcp only
    none_spec = Registry().add(_none_check())
    assert none_spec.run(_bucket(), CheckContext()) == []


def _none_check():
    @check(id="bucket_never", severity="low", title="t", description="d", remediation="r")
    def never(bucket: Bucket) -> None:
        return None

    return never


# -- the built-in catalog ---------------------------------------------------------------------


def test_builtin_catalog_loads_and_indexes_by_kind() -> None:
    registry = Registry.default(entry_points=False)
    assert len(registry) >= 34
    bucket_ids = {s.id for s in registry.for_kind("Bucket")}
    assert {"bucket_public_read", "bucket_unencrypted", "bucket_network_open"} <= bucket_ids
    assert all(s.kind is Bucket for s in registry.for_kind("Bucket"))
    assert {s.id for s in registry.for_kind("FirewallRule")} >= {"network_ml_port_open_to_world"}
    assert registry.for_kind("NoSuchKind") == []
    # every check is in exactly one kind bucket
    indexed = [s.id for kind in {s.kind.kind for s in registry if s.kind} for s in registry.for_kind(kind)]
    assert sorted(indexed) == registry.ids()
    assert all(s.origin.startswith("auditor.checks.") for s in registry)


def test_underscore_modules_are_helpers_not_checks() -> None:
    registry = Registry.default(entry_points=False)
    assert not any("._" in s.origin for s in registry)


def test_catalog_version_follows_ids_and_severities() -> None:
    one = Registry()
    one.add(_valid("bucket_a_check"))
    two = Registry()
    two.add(_valid("bucket_a_check"))
    assert one.catalog_version() == two.catalog_version()
    three = Registry()
    three.add(_valid("bucket_a_check", severity=Severity.HIGH))
    assert three.catalog_version() != one.catalog_version()


# -- --checks-dir -----------------------------------------------------------------------------


def test_checks_dir_loads_a_user_check(tmp_path: Path) -> None:
    (tmp_path / "team.py").write_text(USER_CHECK)
    (tmp_path / "_helpers.py").write_text("raise RuntimeError('helpers are never imported as checks')\n")
    nested = tmp_path / "more"
    nested.mkdir()
    (nested / "fw.py").write_text(
        textwrap.dedent(
            '''
            from auditor.registry import check
            from auditor.resources import FirewallRule

            @check(id="network_rule_named", severity="info", title="t", description="d", remediation="r")
            def network_rule_named(rule: FirewallRule):
                return None
            '''
        )
    )
    registry = Registry.default([tmp_path], entry_points=False)
    spec = registry.get("bucket_team_tag_missing")
    assert spec.origin == str(tmp_path / "team.py")
    assert "network_rule_named" in registry
    assert "bucket_public_read" in registry, "built-ins stay loaded beside user checks"
    assert spec in registry.for_kind("Bucket")
    results = spec.run(_bucket(tags={"team": "ml"}), CheckContext()) + spec.run(_bucket(), CheckContext())
    assert [r.status for r in results] == [Status.PASS, Status.FAIL]


def test_checks_dir_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("this is not python\n")
    with pytest.raises(RegistryError, match=r"broken.py: failed to import"):
        Registry().load_dir(tmp_path)
    with pytest.raises(RegistryError, match="not a directory"):
        Registry().load_dir(tmp_path / "missing")


def test_user_check_cannot_reuse_a_builtin_id(tmp_path: Path) -> None:
    (tmp_path / "dup.py").write_text(USER_CHECK.replace("bucket_team_tag_missing", "bucket_public_read"))
    with pytest.raises(RegistryError, match=r"'bucket_public_read' from .*dup.py: duplicate id"):
        Registry.default([tmp_path], entry_points=False)


# -- select() ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builtin() -> Registry:
    return Registry.default(entry_points=False)


def test_select_by_ids(builtin: Registry) -> None:
    narrowed = builtin.select(["bucket_public_read", "network_admin_port_open_to_world"])
    assert narrowed.ids() == ["bucket_public_read", "network_admin_port_open_to_world"]
    assert [s.id for s in narrowed.for_kind("Bucket")] == ["bucket_public_read"]
    assert narrowed.for_kind("Role") == []
    assert len(builtin) > len(narrowed), "select returns a new registry and leaves the original whole"


def test_select_by_prefix_and_exclude(builtin: Registry) -> None:
    narrowed = builtin.select(["bucket_*"], ["bucket_public_*", "bucket_acls_enabled"])
    assert narrowed.ids()
    assert all(i.startswith("bucket_") for i in narrowed.ids())
    assert not any(i.startswith("bucket_public_") for i in narrowed.ids())
    assert "bucket_acls_enabled" not in narrowed
    assert "bucket_unencrypted" in narrowed
    everything_but = builtin.select((), ["network_*"])
    assert set(everything_but.ids()) == {i for i in builtin.ids() if not i.startswith("network_")}


def test_select_rejects_unknown_ids(builtin: Registry) -> None:
    with pytest.raises(RegistryError, match=r"unknown check id.*bucket_public_raed"):
        builtin.select(["bucket_public_raed"])
    with pytest.raises(RegistryError, match="no_such_check"):
        builtin.select((), ["no_such_check"])


def test_select_rejects_a_prefix_that_matches_nothing(builtin: Registry) -> None:
    # A typo in a CI gate must not silently run zero checks and pass.
    with pytest.raises(RegistryError, match=r"bukcet_\*"):
        builtin.select(["bukcet_*"])


# -- auditor checks list ----------------------------------------------------------------------


def _cli():
    from auditor.cli.main import cli

    return cli


def test_checks_list_table(builtin: Registry) -> None:
    result = CliRunner().invoke(_cli(), ["checks", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"{len(builtin)} checks" in result.output
    for check_id in ("bucket_public_read", "role_admin_access", "network_ml_port_open_to_world"):
        assert check_id in result.output
    line = next(line for line in result.output.splitlines() if "bucket_tls_outdated" in line)
    assert "medium" in line and "Bucket" in line and "azure" in line


def test_checks_list_json_with_a_checks_dir(tmp_path: Path, builtin: Registry) -> None:
    (tmp_path / "team.py").write_text(USER_CHECK)
    result = CliRunner().invoke(_cli(), ["checks", "list", "--json", "--checks-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert len(rows) == len(builtin) + 1
    assert rows["bucket_team_tag_missing"] == {
        "id": "bucket_team_tag_missing",
        "severity": "low",
        "kind": "Bucket",
        "clouds": None,
        "title": "Bucket has no team tag",
        "remediation": "Add a team tag.",
    }
    assert rows["role_trusts_any_principal"]["clouds"] == ["aws"]
    assert rows["role_trusts_any_principal"]["severity"] == "critical"


def test_checks_list_bad_checks_dir_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def (\n")
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "checks", "list", "--checks-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert "broken.py" in proc.stderr and "failed to import" in proc.stderr


# -- import budget ----------------------------------------------------------------------------

_BUDGET_PROBE = """
import sys
import auditor.cli.main
from auditor.registry import Registry
registry = Registry.default()
heavy = sorted(
    name for name in sys.modules
    if name.split(".")[0] in ("boto3", "botocore", "azure") or name == "google.cloud" or name.startswith("google.cloud.")
)
print(len(registry))
print(",".join(heavy))
"""


def test_cli_and_registry_do_not_import_cloud_sdks() -> None:
    proc = subprocess.run([sys.executable, "-c", _BUDGET_PROBE], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    count, heavy = proc.stdout.strip().split("\n") if "\n" in proc.stdout.strip() else (proc.stdout.strip(), "")
    assert int(count) >= 34
    assert heavy == "", f"importing the CLI and building the registry pulled in: {heavy}"


def test_help_does_not_import_cloud_sdks() -> None:
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from auditor.cli.main import cli\n"
        "r = CliRunner().invoke(cli, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'azure')"
        " or m.startswith('google.cloud')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_firewall_rule_kind_is_known() -> None:
    # FirewallRule checks resolve their kind through the annotation even under postponed evaluation.
    @check(id="network_postponed", severity="low", title="t", description="d", remediation="r")
    def postponed(rule: FirewallRule) -> None:
        return None

    assert Registry().add(postponed).kind is FirewallRule
