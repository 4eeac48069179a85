"""Hostile IaC inputs: each one is a collection error naming the file, bounded in time and
memory, and the known-bad control files beside it are still judged."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from iac_hostile import assert_controls_judged, scan, with_controls

from auditor.collectors.iac.limits import IacLimits


def test_lone_surrogate_in_terraform_json(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "bad").mkdir()
    (folder / "bad" / "main.tf.json").write_text('{"resource": {"aws_s3_bucket": {"x": {"bucket": "x\\ud800"}}}}')
    out = scan(folder)
    err = out.error_for("bad/main.tf.json")
    assert "surrogate" in err.message and err.incomplete
    assert_controls_judged(out)


def test_lone_surrogate_in_cloudformation_json(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "bad.json").write_text(
        '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": "AWS::S3::Bucket",'
        ' "Properties": {"BucketName": "x\\ud800"}}}}'
    )
    out = scan(folder)
    assert "surrogate" in out.error_for("bad.json").message
    assert_controls_judged(out)


def test_file_name_not_utf8(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    bad = os.path.join(os.fsencode(folder), b"bad\xff.tf")
    with open(bad, "wb") as fh:
        fh.write(b'resource "aws_s3_bucket" "y" { bucket = "y" }\n')
    out = scan(folder)
    err = out.error_for("bad\ufffd.tf")
    assert "not valid UTF-8" in err.message
    err.model_dump_json()  # writable in every report
    assert_controls_judged(out)


def test_thousand_nested_blocks(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "deep").mkdir()
    body = "a {\n" * 1000 + "}\n" * 1000
    (folder / "deep" / "main.tf").write_text(f'resource "aws_s3_bucket" "d" {{\n{body}}}\n')
    out = scan(folder)
    err = out.error_for("deep/main.tf")
    assert "nested deeper than" in err.message and err.line is not None
    assert_controls_judged(out)


def test_yaml_list_as_mapping_key(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "bad.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  ? [a, b]\n  : Type: AWS::S3::Bucket\n'
    )
    out = scan(folder)
    err = out.error_for("bad.yaml")
    assert "mapping key" in err.message and err.line == 3
    assert_controls_judged(out)


def test_deep_json(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    deep = "[" * 100_000 + "]" * 100_000
    (folder / "deep.json").write_text(
        '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": "AWS::S3::Bucket",'
        f' "Properties": {{"Tags": {deep}}}}}}}}}'
    )
    (folder / "tfdeep").mkdir()
    (folder / "tfdeep" / "main.tf.json").write_text('{"locals": {"x": ' + deep + "}}")
    out = scan(folder)
    assert "nested too deeply" in out.error_for("deep.json").message
    assert "nested too deeply" in out.error_for("tfdeep/main.tf.json").message
    assert_controls_judged(out)


def test_symlink_loop(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "loop").mkdir()
    os.symlink("y.tf", folder / "loop" / "x.tf")
    os.symlink("x.tf", folder / "loop" / "y.tf")
    out = scan(folder)
    for name in ("loop/x.tf", "loop/y.tf"):
        err = out.error_for(name)
        assert "symbolic links" in err.message or "cannot read" in err.message
    assert_controls_judged(out)


@pytest.mark.parametrize(
    "plan",
    [
        '{"planned_values": [1, 2]}',
        '{"planned_values": {"root_module": {"resources": [{"address": 5, "values": "x"}]}}, "resource_changes": 7}',
        '{"planned_values": {"root_module": {"child_modules": "x"}}, "configuration": {"root_module": []}}',
        '{"planned_values": ',
        '{"format_version": "1.2", "planned_values": {"root_module": {"resources": "not-a-list"}}}',
        '{"planned_values": {"root_module": {"child_modules": [{"resources": [1]}]}}}',
    ],
)
def test_malformed_plan(tmp_path: Path, plan: str) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "plan.json").write_text(plan)
    out = scan(folder)
    assert out.error_for("plan.json").incomplete
    assert_controls_judged(out)


def test_huge_count_is_bounded(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "many").mkdir()
    (folder / "many" / "main.tf").write_text(
        'resource "aws_s3_bucket" "m" {\n  count  = 100000000\n  bucket = "m-${count.index}"\n  acl = "public-read"\n}\n'
        'locals {\n  r = range(100000000)\n}\n'
        'resource "aws_s3_bucket" "n" {\n  for_each = toset([for i in range(100000000) : tostring(i)])\n  bucket = each.key\n}\n'
    )
    started = time.monotonic()
    out = scan(folder)
    assert time.monotonic() - started < 20
    err = out.error_for("many/main.tf:2")
    assert "instance" in err.message and err.line == 2
    # the resource is still judged, as one instance of unknown index
    assert "bucket_public_read" in out.failed["many:aws_s3_bucket.m"]
    assert_controls_judged(out)


def test_nested_for_expressions_are_bounded(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "slow").mkdir()
    (folder / "slow" / "main.tf").write_text(
        "locals {\n  big = [for a in range(9000) : [for b in range(9000) : [a, b]]]\n}\n"
        'resource "aws_s3_bucket" "s" {\n  bucket = length(local.big)\n}\n'
    )
    started = time.monotonic()
    out = scan(folder, limits=IacLimits(max_eval_steps=200_000))
    assert time.monotonic() - started < 20
    assert "root module not scanned: evaluation stopped" in out.error_for("slow").message
    assert_controls_judged(out)


@pytest.mark.parametrize("content", [b'"' + b"a" * (9 << 20), b"\x00\xff" * (9 << 19)], ids=["one-string", "random-bytes"])
def test_oversized_file_is_refused_before_parsing(tmp_path: Path, content: bytes) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "big").mkdir()
    (folder / "big" / "main.tf").write_bytes(content)
    (folder / "big.yaml").write_bytes(b"AWSTemplateFormatVersion: x\n" + content)
    out = scan(folder)
    assert "file too big" in out.error_for("big/main.tf").message
    assert "file too big" in out.error_for("big.yaml").message
    assert_controls_judged(out)


def test_file_size_limit_is_an_option(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p", cfn=False)
    (folder / "small").mkdir()
    (folder / "small" / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "' + "x" * 2000 + '"\n}\n')
    out = scan(folder, limits=IacLimits(max_file_bytes=1024))
    assert "over the 1,024-byte limit" in out.error_for("small/main.tf").message
    assert_controls_judged(out, cfn=False)


def test_many_megabytes_of_valid_terraform_are_bounded(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "valid").mkdir()
    block = 'resource "aws_s3_bucket" "b%d" {\n  bucket = "b-%d"\n}\n'
    text = "".join(block % (i, i) for i in range(400_000))  # about 20 MiB
    (folder / "valid" / "main.tf").write_text(text)
    started = time.monotonic()
    out = scan(folder)
    assert time.monotonic() - started < 10
    assert "file too big" in out.error_for("valid/main.tf").message
    assert_controls_judged(out)


def test_billion_laughs_in_cloudformation(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Metadata:", '  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        prev = f"*l{i - 1}"
        lines.append(f"  l{i}: &l{i} [{', '.join([prev] * 9)}]")
    lines += ["Resources:", "  B:", "    Type: AWS::S3::Bucket", "    Properties:", "      Tags: *l9"]
    (folder / "laughs.yaml").write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    out = scan(folder)
    assert time.monotonic() - started < 10
    assert "aliases" in out.error_for("laughs.yaml").message
    assert_controls_judged(out)


def test_named_pipe_and_device_link_do_not_hang(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "odd").mkdir()
    os.mkfifo(folder / "odd" / "pipe.tf")
    os.symlink("/dev/zero", folder / "odd" / "zero.tf")
    os.mkfifo(folder / "pipe.yaml")
    started = time.monotonic()
    out = scan(folder)
    assert time.monotonic() - started < 10
    assert "named pipe" in out.error_for("odd/pipe.tf").message
    assert "device" in out.error_for("odd/zero.tf").message
    assert "named pipe" in out.error_for("pipe.yaml").message
    assert_controls_judged(out)


def test_syntax_error_does_not_quote_a_secret(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "leak").mkdir()
    secret = "AKIAIOSFODNN7EXAMPLQ"
    (folder / "leak" / "main.tf").write_text(f'provider "aws" {{\n  access_key = "{secret}" }} }}\n')
    out = scan(folder)
    err = out.error_for("leak/main.tf")
    assert err.line == 2 and "syntax error" in err.message
    assert secret not in err.message and secret[:10] not in err.message
    assert_controls_judged(out)


def test_module_depth_limit_is_an_error(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p", cfn=False)
    root = folder / "deep"
    current = root
    for _ in range(25):
        current.mkdir(parents=True)
        (current / "main.tf").write_text('module "next" {\n  source = "./next"\n}\n')
        current = current / "next"
    current.mkdir()
    (current / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  acl = "public-read-write"\n}\n')
    out = scan(folder, limits=IacLimits(max_module_depth=5))
    err = out.error_for("depth limit")
    assert err.incomplete and err.line == 1
    assert_controls_judged(out, cfn=False)


def test_long_comment_header_before_template_version(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    header = "".join(f"# comment line {i} explaining this template in some detail\n" for i in range(400))
    assert len(header) > 16 * 1024
    (folder / "commented.yaml").write_text(
        header + 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n'
        "    Properties:\n      AccessControl: PublicReadWrite\n"
    )
    out = scan(folder)
    assert "bucket_public_read" in out.failed["commented.yaml#B"]


def test_one_long_comment_line_before_template_version(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "t.yaml").write_text(
        "#" + "x" * 9000 + '\nAWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n'
        "    Properties:\n      AccessControl: PublicReadWrite\n"
    )
    out = scan(folder)
    assert "bucket_public_read" in out.failed["t.yaml#B"]


def test_symlinked_and_unreadable_folders_are_errors(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "main.tf").write_text('resource "aws_s3_bucket" "e" {\n  bucket = "e"\n}\n')
    os.symlink(elsewhere, folder / "linked")
    (folder / "locked").mkdir()
    (folder / "locked" / "main.tf").write_text('resource "aws_s3_bucket" "l" {\n  bucket = "l"\n}\n')
    (folder / "locked.yaml").write_text("AWSTemplateFormatVersion: x\nResources: {}\n")
    os.chmod(folder / "locked", 0)
    os.chmod(folder / "locked.yaml", 0)
    try:
        if os.access(folder / "locked.yaml", os.R_OK):
            pytest.skip("running as a user who can read anything (root)")
        out = scan(folder)
    finally:
        os.chmod(folder / "locked", 0o755)
        os.chmod(folder / "locked.yaml", 0o644)
    assert "not followed" in out.error_for("linked").message
    assert "cannot read folder" in out.error_for("locked").message
    assert "permission denied" in out.error_for("locked.yaml").message
    assert_controls_judged(out)


def test_symlinked_folder_is_an_error(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "main.tf").write_text('resource "aws_s3_bucket" "e" {\n  bucket = "e"\n}\n')
    os.symlink(elsewhere, folder / "linked")
    out = scan(folder)
    err = out.error_for("linked")
    assert "symbolic link to a folder: not followed" in err.message and err.incomplete
    assert_controls_judged(out)


def test_module_cycles_are_scanned_and_reported(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p", cfn=False)
    for name, other in (("a", "../b"), ("b", "../a")):
        (folder / name).mkdir()
        (folder / name / "main.tf").write_text(
            f'module "other" {{\n  source = "{other}"\n}}\n'
            f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "{name}"\n  acl = "public-read"\n}}\n'
        )
    (folder / "self").mkdir()
    (folder / "self" / "main.tf").write_text(
        'module "me" {\n  source = "./"\n}\nresource "aws_s3_bucket" "s" {\n  bucket = "s"\n  acl = "public-read"\n}\n'
    )
    out = scan(folder, limits=IacLimits(max_module_depth=3))
    for name in ("a", "b", "self"):
        assert out.error_for(f"{name}/main.tf:1").incomplete
    assert "bucket_public_read" in out.failed["a:aws_s3_bucket.a"]
    assert "bucket_public_read" in out.failed["self:aws_s3_bucket.s"]
    assert_controls_judged(out, cfn=False)


def test_missing_local_module_makes_the_scan_incomplete(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p", cfn=False)
    (folder / "app").mkdir()
    (folder / "app" / "main.tf").write_text('module "gone" {\n  source = "../shared/gone"\n}\n')
    out = scan(folder)
    err = out.error_for("app/main.tf:1")
    assert "not found" in err.message and err.incomplete
    assert_controls_judged(out, cfn=False)


def test_random_bytes_under_the_size_limit_never_reach_the_parser(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    (folder / "noise").mkdir()
    (folder / "noise" / "main.tf").write_bytes(b'resource "x" "y" {}\n' + bytes(range(128, 256)) * 8192)
    started = time.monotonic()
    out = scan(folder)
    assert time.monotonic() - started < 10
    err = out.error_for("noise/main.tf")
    assert "not UTF-8 text" in err.message and err.line == 2
    assert_controls_judged(out)


def test_parse_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(IacLimits, "max_parse_seconds", 0.2)
    folder = with_controls(tmp_path / "p")
    (folder / "slow").mkdir()
    (folder / "slow" / "main.tf").write_bytes(b"a {\n" * 400_000)
    out = scan(folder)
    assert "parse time limit" in out.error_for("slow/main.tf").message
    assert_controls_judged(out)


def test_big_templates_scale_linearly(tmp_path: Path) -> None:
    """20,000 resources in one template: locating each resource's lines and comments must not
    rescan the whole file per resource (that took over 15 minutes on 8 MiB)."""
    import json

    from auditor.collectors.iac.cloudformation import load_template

    n = 20_000
    yaml_path = tmp_path / "big.yaml"
    yaml_path.write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
        + "".join(f"  # c{i}\n  B{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: b{i}\n" for i in range(n))
    )
    json_path = tmp_path / "big.json"
    resources = {f"B{i}": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": f"b{i}"}} for i in range(n)}
    json_path.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1))
    for path in (yaml_path, json_path):
        started = time.monotonic()
        loaded = load_template(path, path.name, lambda *a: None)
        assert time.monotonic() - started < 15
        assert len(loaded) == n and loaded[-1].line is not None and loaded[-1].line > 90_000


def test_every_hostile_input_together_under_a_memory_cap(tmp_path: Path) -> None:
    """The CLI in a subprocess capped at 2 GiB of address space and 120 s: every hostile input
    at once is a named collection error, the report is written, the controls fail, exit 3."""
    import json
    import resource
    import subprocess
    import sys

    folder = with_controls(tmp_path / "p")
    (folder / "many").mkdir()
    (folder / "many" / "main.tf").write_text('resource "aws_s3_bucket" "m" {\n  count = 100000000\n  bucket = "m"\n}\n')
    laughs = ['AWSTemplateFormatVersion: "2010-09-09"', "Metadata:", "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    laughs += ["Resources:", "  B:", "    Type: AWS::S3::Bucket", "    Properties: {Tags: *l9}"]
    (folder / "laughs.yaml").write_text("\n".join(laughs) + "\n")
    (folder / "pipe").mkdir()
    os.mkfifo(folder / "pipe" / "main.tf")
    os.symlink("/dev/zero", folder / "zero.tf")
    (folder / "big").mkdir()
    with open(folder / "big" / "main.tf", "wb") as fh:
        fh.truncate(50 << 20)  # 50 MiB, sparse
    out = tmp_path / "out"

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "iac", str(folder), "--no-store", "-f", "json", "-o", str(out), "-q"],
        capture_output=True, text=True, timeout=120, preexec_fn=cap, check=False,
    )
    assert proc.returncode == 3, proc.stderr
    result = json.loads(next(out.glob("*.json")).read_text())
    errors = {e["path"]: e["message"] for e in result["collection_errors"]}
    for path in ("many/main.tf", "laughs.yaml", "pipe/main.tf", "zero.tf", "big/main.tf"):
        assert path in errors, errors
    failing = {(f["resource_id"], f["check_id"]) for f in result["findings"] if f.get("status") == "fail"}
    assert ("control:aws_s3_bucket.control", "bucket_public_read") in failing
    assert ("control.yaml#Control", "bucket_public_read") in failing


def test_doubling_through_locals_is_bounded(tmp_path: Path) -> None:
    folder = with_controls(tmp_path / "p")
    strings = "".join(f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"\n' for i in range(1, 40))
    lists = "".join(f"  m{i} = concat(local.m{i - 1}, local.m{i - 1})\n" for i in range(1, 40))
    (folder / "bomb").mkdir()
    (folder / "bomb" / "main.tf").write_text(
        f'locals {{\n{strings}{lists}  l0 = "ab"\n  m0 = ["a"]\n}}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = local.l39\n  tags = { n = length(local.m39) }\n}\n'
    )
    started = time.monotonic()
    out = scan(folder)
    assert time.monotonic() - started < 20
    err = out.error_for("bomb/main.tf")
    assert "character limit" in err.message and err.line is not None and err.incomplete
    assert_controls_judged(out)


def test_shared_parts_expanding_to_billions_are_bounded(tmp_path: Path) -> None:
    """``l1 = [local.l0, local.l0]`` forty times: small in memory, 2**40 items to jsonencode."""
    folder = with_controls(tmp_path / "p")
    (folder / "dag").mkdir()
    (folder / "dag" / "main.tf").write_text(
        "locals {\n" + "".join(f"  l{i} = [local.l{i - 1}, local.l{i - 1}]\n" for i in range(1, 41)) + '  l0 = ["a"]\n}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  policy = jsonencode(local.l40)\n}\n'
        'resource "aws_s3_bucket" "c" {\n  bucket = "y"\n  tags = local.l40\n}\n'
    )
    started = time.monotonic()
    out = scan(folder)
    assert time.monotonic() - started < 20
    messages = [e.message for e in out.errors if e.path == "dag/main.tf"]
    assert len(messages) == 2 and all("item limit" in m for m in messages), messages
    assert_controls_judged(out)
