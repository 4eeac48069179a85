"""IaC scan benchmark: the auditor against Checkov on generated ML infrastructure.

    python bench/iac_scan.py [--tf-dirs 30 --files-per-dir 10 --cfn 100] [--skip-checkov]

Generates Terraform root modules (S3 with split resources, IAM roles with policy documents,
security groups with dynamic blocks, SageMaker notebooks, KMS keys, GCS buckets, Azure storage)
and CloudFormation templates, then, in the same run, times a full scan and a single-file cold
start for both tools, each in a fresh process: wall time and peak RSS. Checkov is installed with
pip into a throwaway virtualenv under $AUDITOR_BENCH_CACHE (default ~/.cache/auditor-bench),
reused across runs. Results print as a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

CHECKOV_VERSION = "3.3.30"

_TF_TEMPLATE = """
variable "env_{i}" {{
  default = "{env}"
}}

locals {{
  name_{i}  = "ml-${{var.env_{i}}}-{i}"
  ports_{i} = [{ports}]
}}

resource "aws_s3_bucket" "data_{i}" {{
  bucket = "${{local.name_{i}}}-data"
}}

resource "aws_s3_bucket_public_access_block" "data_{i}" {{
  bucket                  = aws_s3_bucket.data_{i}.id
  block_public_acls       = {block}
  ignore_public_acls      = {block}
  block_public_policy     = {block}
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "data_{i}" {{
  bucket = aws_s3_bucket.data_{i}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data_{i}.arn
    }}
  }}
}}

resource "aws_s3_bucket_versioning" "data_{i}" {{
  bucket = aws_s3_bucket.data_{i}.id
  versioning_configuration {{
    status = "{versioning}"
  }}
}}

resource "aws_s3_bucket_policy" "data_{i}" {{
  bucket = aws_s3_bucket.data_{i}.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["${{aws_s3_bucket.data_{i}.arn}}/*"]
      Condition = {{ Bool = {{ "aws:SecureTransport" = "false" }} }}
    }}]
  }})
}}

resource "aws_kms_key" "data_{i}" {{
  description         = "data {i}"
  enable_key_rotation = {rotation}
}}

data "aws_iam_policy_document" "trust_{i}" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }}
  }}
}}

resource "aws_iam_role" "training_{i}" {{
  name               = "${{local.name_{i}}}-training"
  assume_role_policy = data.aws_iam_policy_document.trust_{i}.json
  inline_policy {{
    name   = "data"
    policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "{action}", Resource = "*" }}] }})
  }}
}}

resource "aws_security_group" "nb_{i}" {{
  name = "${{local.name_{i}}}-nb"
  dynamic "ingress" {{
    for_each = local.ports_{i}
    content {{
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["{cidr}"]
    }}
  }}
}}

resource "aws_sagemaker_notebook_instance" "nb_{i}" {{
  name                   = "${{local.name_{i}}}-nb"
  role_arn               = aws_iam_role.training_{i}.arn
  instance_type          = "ml.t3.medium"
  direct_internet_access = "{internet}"
  kms_key_id             = aws_kms_key.data_{i}.arn
}}

resource "google_storage_bucket" "gcs_{i}" {{
  name                        = "${{local.name_{i}}}-gcs"
  location                    = "EU"
  uniform_bucket_level_access = {block}
  public_access_prevention    = "{pap}"
}}

resource "azurerm_storage_account" "sa_{i}" {{
  name                     = "mlsa{i}"
  resource_group_name      = "rg"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  min_tls_version          = "{tls}"
}}
"""

_CFN_TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
    Default: {env}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "ml-${{Env}}-{i}"
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        IgnorePublicAcls: true
        BlockPublicPolicy: !If [IsProd, true, {block}]
        RestrictPublicBuckets: true
      VersioningConfiguration:
        Status: {versioning}
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Data
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: "s3:*"
            Resource: !Sub "${{Data.Arn}}/*"
            Condition: {{Bool: {{"aws:SecureTransport": "false"}}}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Service: sagemaker.amazonaws.com}}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: data
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: "{action}"
                Resource: "*"
  Notebook:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: !GetAtt Role.Arn
      DirectInternetAccess: {internet}
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: notebooks
      SecurityGroupIngress:
        - {{IpProtocol: tcp, FromPort: {port}, ToPort: {port}, CidrIp: "{cidr}"}}
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: {rotation}
"""


def _knobs(rng: random.Random, i: int) -> dict[str, object]:
    weak = rng.random() < 0.3
    return {
        "i": i,
        "env": rng.choice(["dev", "prod"]),
        "ports": ", ".join(str(p) for p in rng.sample([22, 443, 5000, 6006, 8080, 8888, 8265], 3)),
        "port": rng.choice([22, 443, 8888, 5000]),
        "block": "false" if weak else "true",
        "versioning": "Suspended" if weak else "Enabled",
        "rotation": "false" if weak else "true",
        "action": "s3:*" if weak else "s3:GetObject",
        "cidr": "0.0.0.0/0" if weak else "10.0.0.0/8",
        "internet": "Enabled" if weak else "Disabled",
        "pap": "inherited" if weak else "enforced",
        "tls": "TLS1_0" if weak else "TLS1_2",
    }


def generate_terraform(directory: Path, count: int, files_per_dir: int = 10, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        folder = directory / f"stack{i // files_per_dir:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"ml_{i:04d}.tf"
        text = _TF_TEMPLATE.format(**_knobs(rng, i))
        out.append(path)
        path.write_text(text)
    return out


def generate_cloudformation(directory: Path, count: int, seed: int = 11) -> list[Path]:
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        path = directory / f"ml_{i:04d}.yaml"
        path.write_text(_CFN_TEMPLATE.format(**_knobs(rng, i)))
        out.append(path)
    return out


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS in MiB of the largest process."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "subprocess.run(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "wall = time.perf_counter() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([wall, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, json.dumps(cmd)], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    wall, cpu, rss = json.loads(proc.stdout)
    return wall, cpu, rss


def checkov_bin(cache: Path) -> Path:
    env_dir = cache / f"checkov-{CHECKOV_VERSION}"
    exe = env_dir / "bin" / "checkov"
    if not exe.exists():
        print(f"installing checkov {CHECKOV_VERSION} into {env_dir} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        subprocess.run([str(env_dir / "bin" / "pip"), "install", "-q", f"checkov=={CHECKOV_VERSION}"], check=True)
    return exe


def count_checkov(cmd: list[str], cwd: Path, env: dict[str, str]) -> int | None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        return None
    reports = data if isinstance(data, list) else [data]
    return sum(len(r.get("results", {}).get("failed_checks", [])) for r in reports if isinstance(r, dict))


def main() -> None:
    parser = argparse.ArgumentParser(description="IaC scan benchmark: auditor vs Checkov")
    parser.add_argument("--tf-dirs", type=int, default=30)
    parser.add_argument("--files-per-dir", type=int, default=10)
    parser.add_argument("--cfn", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the best is reported")
    parser.add_argument("--skip-checkov", action="store_true")
    args = parser.parse_args()
    cache = Path(os.environ.get("AUDITOR_BENCH_CACHE", Path.home() / ".cache" / "auditor-bench"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ml-infra"
        tf = generate_terraform(root / "terraform", args.tf_dirs * args.files_per_dir, args.files_per_dir)
        cfn = generate_cloudformation(root / "cloudformation", args.cfn)
        size = sum(p.stat().st_size for p in tf + cfn) / 1024
        single = tf[0]
        out = Path(tmp) / "out"
        auditor = [sys.executable, "-m", "auditor", "scan", "iac"]
        common = ["-f", "json", "--no-store", "-q", "--fail-on", "none", "--force", "--output", str(out / "r.json")]
        rows: list[tuple[str, tuple[float, float, float], str]] = []

        def best(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
            runs = [measure(cmd, Path(tmp), env) for _ in range(args.runs)]
            return min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs)

        out.mkdir()
        collector_only = [sys.executable, "-c", (
            "import sys; from auditor.collectors.base import CollectionSink; from auditor.collectors.iac import IacCollector; "
            "s = CollectionSink(); IacCollector([sys.argv[1]]).collect(s)"), str(single)]
        a_full = best([*auditor, str(root), *common])
        a_one = best([*auditor, str(single), *common])
        a_collect = best(collector_only)
        subprocess.run([*auditor, str(root), *common], cwd=tmp, capture_output=True)
        result = json.loads((out / "r.json").read_text())
        a_fail = sum(1 for f in result["findings"] if f["status"] == "fail")
        rows.append(("auditor, full tree", a_full, f"{len(result['inventory'])} resources, {a_fail} failures"))
        rows.append(("auditor, one .tf file (cold)", a_one, "whole CLI: collect, checks, compliance mapping, JSON report"))
        rows.append(("auditor collector alone, one .tf file (cold)", a_collect, "import + parse + resolve + map"))
        if not args.skip_checkov:
            exe = checkov_bin(cache)
            env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false", "LOG_LEVEL": "ERROR"}
            ck = [str(exe), "--quiet", "--compact", "-o", "json", "--skip-download", "--framework", "terraform", "cloudformation"]
            c_full = best([*ck, "-d", str(root)], env)
            c_one = best([*ck, "-f", str(single)], env)
            failed = count_checkov([*ck, "-d", str(root)], Path(tmp), env)
            rows.append((f"Checkov {CHECKOV_VERSION}, full tree", c_full, f"{failed} failed checks"))
            rows.append((f"Checkov {CHECKOV_VERSION}, one .tf file (cold)", c_one, ""))
        print(f"\ncorpus: {len(tf)} .tf files in {args.tf_dirs} root modules + {len(cfn)} CloudFormation templates, {size:.0f} KiB; "
              f"best of {args.runs}; {os.cpu_count()} CPUs\n")
        print("| run | wall time | CPU time | peak RSS | notes |\n|---|---|---|---|---|")
        for name, (wall, cpu, rss), note in rows:
            print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MiB | {note} |")
        if not args.skip_checkov:
            print(f"\nspeed-up (wall): full tree {c_full[0] / a_full[0]:.1f}x, single file {c_one[0] / a_one[0]:.1f}x; "
                  f"(CPU): full tree {c_full[1] / a_full[1]:.1f}x, single file {c_one[1] / a_one[1]:.1f}x; "
                  f"peak memory {c_full[2] / a_full[2]:.1f}x less")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"\n(benchmark took {time.perf_counter() - start:.0f} s)", file=sys.stderr)
