"""Project structure on real-world layouts: local modules without count, failure isolation per
root module, root modules as scopes, registry modules, --skip-path, readable unknowns, inline
ignore warnings. Every project is written into tmp_path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from iac_hostile import CONTROL_CFN, CONTROL_TF, assert_controls_judged, scan, with_controls

from auditor.collectors.iac.values import Unknown

PUBLIC_BUCKET = """resource "aws_s3_bucket" "data" {
  bucket = "%s"
}
resource "aws_s3_bucket_acl" "data" {
  bucket = aws_s3_bucket.data.id
  acl    = "public-read"
}
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def test_local_module_output_without_count(tmp_path: Path) -> None:
    """module "net" { source = "./net" } then module.net.vpc_id: crashed the whole scan before."""
    folder = write(
        tmp_path / "p",
        {
            "main.tf": 'module "net" {\n  source = "./net"\n}\n'
            'resource "aws_security_group" "web" {\n  vpc_id = module.net.vpc_id\n'
            '  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n',
            "net/main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'
            'output "vpc_id" {\n  value = aws_vpc.v.id\n}\n',
            "stack.yaml": CONTROL_CFN,
        },
    )
    out = scan(folder)
    assert [e.message for e in out.errors if e.incomplete] == []
    assert "network_admin_port_open_to_world" in out.failed["aws_security_group.web"]
    assert "bucket_public_read" in out.failed["stack.yaml#Control"]


def test_one_root_module_failing_keeps_every_other(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure nobody foresaw inside one root module (simulated in a Terraform function) is
    an error naming the file, line and expression; other root modules and templates are judged."""
    from auditor.collectors.iac.terraform import evaluate

    def broken(*_args: object) -> object:
        raise AttributeError("'tuple' object has no attribute 'outputs'")

    folder = with_controls(tmp_path / "p")
    write(folder, {"broken/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  tags = { n = upper(var.x) }\n}\n'})
    monkeypatch.setattr(evaluate.Evaluator, "_n_function_call", lambda self, node: broken())
    out = scan(folder)
    err = out.error_for("broken/main.tf")
    assert err.incomplete and err.line == 3
    assert "upper(var.x)" in err.message and "AttributeError" in err.message
    assert_controls_judged(out)


def test_account_public_access_block_stays_in_its_root_module(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "mono",
        {
            "guarded/main.tf": 'resource "aws_s3_account_public_access_block" "all" {\n  block_public_acls = true\n'
            "  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n"
            + PUBLIC_BUCKET % "guarded-data",
            "open/main.tf": PUBLIC_BUCKET % "open-data",
        },
    )
    out = scan(folder)
    assert "bucket_public_read" not in out.failed.get("guarded:aws_s3_bucket.data", set())
    assert "bucket_public_read" in out.failed["open:aws_s3_bucket.data"]


def test_unresolvable_split_resource_stays_in_its_folder(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "mono",
        {
            # a module library scanned as its own root: the bucket it names is not declared here
            "lib/main.tf": 'variable "bucket" {}\nresource "aws_s3_bucket_public_access_block" "pab" {\n'
            "  bucket = var.bucket\n  block_public_acls = false\n}\n",
            "app/main.tf": PUBLIC_BUCKET % "app-data",
        },
    )
    out = scan(folder)
    assert "bucket_public_read" in out.failed["app:aws_s3_bucket.data"]


def test_registry_module_read_from_modules_json(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "p",
        {
            "main.tf": 'module "store" {\n  source  = "acme/bucket/aws"\n  version = "1.0.0"\n  name = "reg-data"\n}\n',
            ".terraform/modules/store/main.tf": 'variable "name" {}\n' + PUBLIC_BUCKET.replace('"%s"', "var.name"),
            ".terraform/modules/modules.json": json.dumps(
                {"Modules": [{"Key": "", "Source": "", "Dir": "."},
                             {"Key": "store", "Source": "registry.terraform.io/acme/bucket/aws", "Version": "1.0.0",
                              "Dir": ".terraform/modules/store"}]}
            ),
        },
    )
    out = scan(folder)
    assert "bucket_public_read" in out.failed["module.store.aws_s3_bucket.data"]
    assert not [e for e in out.errors if "not a local path" in e.message]


def test_registry_module_without_init_is_a_note(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"main.tf": 'module "store" {\n  source = "acme/bucket/aws"\n}\n' + CONTROL_TF})
    out = scan(folder)
    note = out.error_for("terraform init")
    assert not note.incomplete and note.line == 1 and "acme/bucket/aws" in note.message


def test_skip_path_on_the_command_line(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "p",
        {
            "app/main.tf": CONTROL_TF,
            "vendor/lib/main.tf": PUBLIC_BUCKET % "vendored",
            "tests/fixtures/main.tf": PUBLIC_BUCKET % "fixture",
        },
    )
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "iac", str(folder), "--no-store", "-f", "json", "-o", str(tmp_path / "out"),
         "--skip-path", "vendor", "--skip-path", "tests/*", "--fail-on", "none", "-q"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    ids = {r["ref"]["id"] for r in result["inventory"]}
    assert ids == {"app:aws_s3_bucket.control"}


def test_unknowns_render_readably(tmp_path: Path) -> None:
    assert str(Unknown("var.x has no default")) == "(unknown: var.x has no default)"
    assert str(Unknown("r", partial="data-__auditor_unknown__")) == "data-(known after apply)"
    assert "Unknown(" not in f"{[Unknown('x')]}"


def test_inline_ignore_warnings_name_file_and_line(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "p",
        {
            "main.tf": "# auditor:ignore bucket_public_raed we publish this\n" + CONTROL_TF
            + '# auditor:ignore bucket_versioning_off\nresource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
            "t.yaml": CONTROL_CFN.replace("  Control:\n", "  # auditor:ignore bucket_public_read\n  Control:\n"),
        },
    )
    out = scan(folder)
    typo = out.error_for("bucket_public_raed")
    assert (typo.path, typo.line, typo.incomplete) == ("main.tf", 1, False)
    assert "did you mean bucket_public_read" in typo.message
    assert out.error_for("main.tf:6: auditor:ignore bucket_versioning_off gives no reason").line == 6
    assert out.error_for("t.yaml:3").line == 3
    # the misspelled ignore ignores nothing: the public bucket still fails
    assert "bucket_public_read" in out.failed["aws_s3_bucket.control"]
