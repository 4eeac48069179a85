"""Hostile infrastructure-as-code for ``auditor scan iac``: every input is its own folder under one
scan root, beside a public Terraform bucket that must still fail."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from .harness import Family, HostileInput

CONTROL_TF = 'resource "aws_s3_bucket" "control" {\n  bucket = "control-bucket"\n  acl    = "public-read"\n}\n'
CFN_HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\n'


def _control(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text(CONTROL_TF)


FAMILY = Family(
    name="iac",
    args=lambda root: ["scan", "iac", str(root)],
    control=_control,
    control_id="aws_s3_bucket.control",
    control_check="bucket_public_read",
)


def text(name: str, content: str | bytes) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))

    return write


def _non_utf8_name(folder: Path) -> None:
    with open(os.path.join(os.fsencode(folder), b"bad\xff.tf"), "wb") as fh:
        fh.write(b'resource "aws_s3_bucket" "y" { bucket = "y" }\n')


def _symlink_loop(folder: Path) -> None:
    os.symlink("y.tf", folder / "x.tf")
    os.symlink("x.tf", folder / "y.tf")


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "pipe.tf")


def _dev_zero(folder: Path) -> None:
    os.symlink("/dev/zero", folder / "zero.tf")


def _fifo_yaml(folder: Path) -> None:
    os.mkfifo(folder / "template.yaml")


def _symlinked_folder(folder: Path) -> None:
    target = folder.parent / "control"
    os.symlink(target, folder / "linked", target_is_directory=True)


def _deep_modules(folder: Path, depth: int = 25) -> None:
    for level in range(depth):
        here = folder / "/".join(f"m{i}" for i in range(level)) if level else folder
        here.mkdir(parents=True, exist_ok=True)
        (here / "main.tf").write_text(f'module "m{level}" {{\n  source = "./m{level}"\n}}\n')
    bottom = folder / "/".join(f"m{i}" for i in range(depth))
    bottom.mkdir(parents=True, exist_ok=True)
    (bottom / "main.tf").write_text('resource "aws_s3_bucket" "deep" {\n  acl = "public-read-write"\n}\n')


def _billion_laughs(levels: int = 12) -> str:
    lines = [CFN_HEAD, 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        refs = ",".join([f"*a{n - 1}"] * 10)
        lines.append(f"a{n}: &a{n} [{refs}]")
    lines.append(f"Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: *a{levels - 1}\n")
    return "\n".join(lines)


BIG = 9 << 20  # over the default IaC file-size limit
INPUTS: list[HostileInput] = [
    HostileInput("surrogate-tf-json", text("main.tf.json", '{"resource": {"aws_s3_bucket": {"x": {"bucket": "x\\ud800"}}}}'),
                 ("surrogate",)),
    HostileInput("surrogate-cfn-json", text("t.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": '
                                                       '{"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "x\\ud800"}}}}'),
                 ("surrogate",)),
    HostileInput("non-utf8-file-name", _non_utf8_name, ("UTF-8",)),
    HostileInput("nested-1000-blocks", text("main.tf", 'resource "aws_s3_bucket" "d" {\n' + "a {\n" * 1000 + "}\n" * 1001),
                 ("nested",)),
    HostileInput("yaml-list-as-key", text("t.yaml", CFN_HEAD + "Resources:\n  ? [a, b]\n  : {Type: AWS::S3::Bucket}\n")),
    HostileInput("deep-tf-json", text("main.tf.json", "[" * 100000 + "]" * 100000)),
    HostileInput("deep-cfn-json", text("t.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": ' + "[" * 50000
                                        + "]" * 50000 + "}")),
    HostileInput("deep-cfn-yaml", text("t.yaml", CFN_HEAD + "Resources: " + "[" * 20000 + "]" * 20000 + "\n")),
    HostileInput("symlink-loop", _symlink_loop),
    HostileInput("malformed-plan", text("plan.json", '{"format_version": "1.2", "planned_values": {"root_module": [1, 2')),
    HostileInput("plan-wrong-shapes", text("plan.json", '{"format_version": "1.2", "terraform_version": "1.9.0", '
                                            '"planned_values": {"root_module": {"resources": "not-a-list"}}}')),
    HostileInput("huge-count", text("main.tf", 'resource "aws_s3_bucket" "b" {\n  count = 100000000\n  bucket = "b"\n}\n'),
                 ("limit",), alone=True, may_pass=True),
    HostileInput("huge-for-each", text("main.tf", 'resource "aws_s3_bucket" "b" {\n  for_each = toset([for i in range(1000000) : '
                                        'tostring(i)])\n  bucket = each.key\n}\n'), named=False),
    HostileInput("one-string-9MiB", text("main.tf", b'"' + b"a" * BIG)),
    HostileInput("random-bytes-9MiB", text("main.tf", os.urandom(BIG))),
    HostileInput("billion-laughs-cfn", text("t.yaml", _billion_laughs()), alone=True),
    HostileInput("named-pipe-tf", _fifo, ("pipe",)),
    HostileInput("dev-zero-tf", _dev_zero, ("device",)),
    HostileInput("named-pipe-yaml", _fifo_yaml, ("pipe",)),
    HostileInput("modules-25-deep", _deep_modules),
    HostileInput("cfn-long-comment-header", text("t.yaml", "#" + "x" * 9000 + "\n" + CFN_HEAD + "Resources:\n  B:\n"
                                                  "    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: PublicReadWrite\n"),
                 named=False, must_fail="bucket_public_write"),
    HostileInput("symlinked-folder", _symlinked_folder),
    HostileInput("unterminated-string", text("main.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "never ends\n')),
    HostileInput("unbalanced-braces", text("main.tf", 'resource "aws_s3_bucket" "b" {\n' * 3)),
    HostileInput("heredoc-without-end", text("main.tf", 'locals {\n  x = <<EOT\nhello\n')),
    HostileInput("nul-bytes-tf", text("main.tf", b'resource "aws_s3_bucket" "b" {\x00\x00 bucket = "b" }\n')),
    HostileInput("bom-and-garbage", text("main.tf", b"\xef\xbb\xbf\xff\xfe{{{")),
    HostileInput("python-tag-yaml", text("t.yaml", CFN_HEAD + "Resources: !!python/object/apply:os.system ['echo owned']\n")),
    HostileInput("truncated-cfn-json", text("t.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": ')),
    HostileInput("tabs-in-yaml", text("t.yaml", CFN_HEAD + "Resources:\n\tB:\n\t\tType: AWS::S3::Bucket\n")),
    HostileInput("tf-json-top-level-array", text("main.tf.json", json.dumps([{"resource": {}}]))),
    HostileInput("tf-json-number", text("main.tf.json", "42")),
    HostileInput("cfn-resources-a-list", text("t.yaml", CFN_HEAD + "Resources:\n  - Type: AWS::S3::Bucket\n")),
    HostileInput("cfn-properties-a-string", text("t.yaml", CFN_HEAD + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"
                                                  "    Properties: public\n"), named=False),
    HostileInput("empty-tf", text("main.tf", ""), named=False),
    HostileInput("whitespace-tf", text("main.tf", "\n \t\n" * 100), named=False),
    HostileInput("many-resources", text("main.tf", "".join(
        f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "b{i}"\n}}\n' for i in range(3000))), named=False),
    HostileInput("long-line-tf", text("main.tf", 'locals {\n  x = "' + "y" * (2 << 20) + '"\n}\n'), named=False),
    HostileInput("interpolation-bomb", text("main.tf", 'locals {\n' + "".join(
        f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"\n' for i in range(1, 40)) + '  l0 = "ab"\n}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = local.l39\n}\n'), ("limit",)),
]


# Truncations of a valid file at points inside its blocks: each is a syntax error naming the file.
_VALID_TF = ('resource "aws_s3_bucket" "t" {\n  bucket = "truncated-bucket"\n  tags = {\n    team = "ml"\n  }\n'
             '  versioning {\n    enabled = true\n  }\n}\n')
_VALID_TF_JSON = json.dumps({"resource": {"aws_s3_bucket": {"t": {"bucket": "truncated-bucket", "tags": {"team": "ml"}}}}})
_TF_CUTS = sorted({_VALID_TF.index("{") + 1 + (n * (len(_VALID_TF) - _VALID_TF.index("{") - 3)) // 39 for n in range(40)})
_JSON_CUTS = sorted({1 + (n * (len(_VALID_TF_JSON) - 2)) // 19 for n in range(20)})
INPUTS += [HostileInput(f"tf-cut-at-{at}", text("main.tf", _VALID_TF[:at])) for at in _TF_CUTS]
INPUTS += [HostileInput(f"tf-json-cut-at-{at}", text("main.tf.json", _VALID_TF_JSON[:at])) for at in _JSON_CUTS]

_VALID_CFN_JSON = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {
    "Type": "AWS::S3::Bucket", "Properties": {"BucketName": "truncated", "Tags": [{"Key": "team", "Value": "ml"}]}}}})
_CFN_CUTS = sorted({60 + (n * (len(_VALID_CFN_JSON) - 61)) // 19 for n in range(20)})
INPUTS += [HostileInput(f"cfn-json-cut-at-{at}", text("t.json", _VALID_CFN_JSON[:at])) for at in _CFN_CUTS]
