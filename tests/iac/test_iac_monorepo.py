"""Regression: a generated monorepo of 30+ root modules mixing the real-world patterns (local
modules with and without count, account-level blocks, random-suffix names, unresolvable split
resources, users and groups, NotAction, public grants, all-ports rules, registry modules, inline
ignores, a broken file, templates). Each root module's results inside the monorepo must equal the
results of scanning that root module alone: nothing leaks between them, and nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

from iac_hostile import scan

BUCKET = 'resource "aws_s3_bucket" "data" {\n  bucket = "%(name)s"\n}\n'
PATTERNS: dict[str, dict[str, str]] = {
    "local_module": {
        "main.tf": 'module "net" {\n  source = "./net"\n}\n'
        'resource "aws_security_group" "web" {\n  vpc_id = module.net.vpc_id\n  ingress {\n    from_port = 22\n'
        '    to_port = 22\n    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n',
        "net/main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\noutput "vpc_id" {\n  value = aws_vpc.v.id\n}\n',
    },
    "counted_modules": {
        "main.tf": 'module "b" {\n  source = "./b"\n  count = 2\n  name = "cm-%(name)s-${count.index}"\n}\n'
        'module "f" {\n  source = "./b"\n  for_each = toset(["x", "y"])\n  name = "fe-%(name)s-${each.key}"\n}\n',
        "b/main.tf": 'variable "name" {}\nresource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n'
        'resource "aws_s3_bucket_acl" "this" {\n  bucket = aws_s3_bucket.this.id\n  acl = "public-read"\n}\n',
    },
    "account_block": {
        "main.tf": 'resource "aws_s3_account_public_access_block" "all" {\n  block_public_acls = true\n'
        "  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n"
        + BUCKET + 'resource "aws_s3_bucket_acl" "data" {\n  bucket = aws_s3_bucket.data.id\n  acl = "public-read"\n}\n',
    },
    "public_acl": {
        "main.tf": BUCKET + 'resource "aws_s3_bucket_acl" "data" {\n  bucket = aws_s3_bucket.data.id\n  acl = "public-read"\n}\n',
    },
    "random_suffix": {
        "main.tf": 'resource "random_id" "s" {\n  byte_length = 4\n}\n'
        'resource "aws_s3_bucket" "data" {\n  bucket = "%(name)s-${random_id.s.hex}"\n}\n'
        'resource "aws_s3_bucket_public_access_block" "data" {\n  bucket = aws_s3_bucket.data.bucket\n'
        "  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n",
    },
    "unresolved_split": {
        "main.tf": 'variable "bucket" {}\nresource "aws_s3_bucket_public_access_block" "x" {\n  bucket = var.bucket\n'
        "  block_public_acls = false\n}\n"
        'resource "aws_s3_bucket_policy" "named" {\n  bucket = "undeclared-%(name)s"\n  policy = "{}"\n}\n' + BUCKET,
    },
    "users_groups": {
        "main.tf": 'resource "aws_iam_user" "u" {\n  name = "%(name)s"\n}\n'
        'resource "aws_iam_user_policy" "u" {\n  user = aws_iam_user.u.name\n'
        '  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "*", Resource = "*"}]})\n}\n'
        'resource "aws_iam_group" "g" {\n  name = "g-%(name)s"\n}\n'
        'resource "aws_iam_group_policy_attachment" "g" {\n  group = aws_iam_group.g.name\n'
        '  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n',
    },
    "not_action": {
        "main.tf": 'resource "aws_iam_role" "r" {\n  name = "%(name)s"\n  assume_role_policy = jsonencode({Version = "2012-10-17",'
        ' Statement = [{Effect = "Allow", Principal = {Service = "ec2.amazonaws.com"}, Action = "sts:AssumeRole"}]})\n}\n'
        'resource "aws_iam_role_policy" "r" {\n  role = aws_iam_role.r.id\n'
        '  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", NotAction = ["ec2:Describe*"], Resource = "*"}]})\n}\n',
    },
    "all_ports": {
        "main.tf": 'resource "aws_security_group" "all" {\n  name = "%(name)s"\n  ingress {\n    from_port = 0\n    to_port = 65535\n'
        '    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n',
    },
    "notebook": {
        "main.tf": 'resource "aws_sagemaker_notebook_instance" "nb" {\n  name = "%(name)s"\n  role_arn = "arn:aws:iam::111122223333:role/r"\n'
        '  instance_type = "ml.t3.medium"\n  # auditor:ignore notebook_root_access root is needed for this lab\n}\n',
    },
    "registry_module": {
        "main.tf": 'module "store" {\n  source = "acme/bucket/aws"\n  name = "%(name)s"\n}\n',
        ".terraform/modules/store/main.tf": 'variable "name" {}\nresource "aws_s3_bucket" "this" {\n  bucket = var.name\n  acl = "public-read-write"\n}\n',
        ".terraform/modules/modules.json": json.dumps({"Modules": [{"Key": "store", "Source": "acme/bucket/aws", "Dir": ".terraform/modules/store"}]}),
    },
    "gcp_member": {
        "main.tf": 'resource "google_service_account" "sa" {\n  account_id = "%(name)s"\n}\n'
        'resource "google_storage_bucket" "b" {\n  name = "%(name)s"\n  location = "EU"\n}\n'
        'resource "google_storage_bucket_iam_member" "m" {\n  bucket = google_storage_bucket.b.name\n  role = "roles/storage.objectViewer"\n'
        '  member = "serviceAccount:${google_service_account.sa.email}"\n}\n'
        'resource "google_storage_bucket_iam_member" "pub" {\n  bucket = google_storage_bucket.b.name\n  role = "roles/storage.objectViewer"\n'
        '  member = "allUsers"\n}\n',
    },
    "azure_storage": {
        "main.tf": 'resource "azurerm_storage_account" "sa" {\n  name = "%(name)s"\n  resource_group_name = "rg"\n  location = "westeurope"\n'
        '  account_tier = "Standard"\n  account_replication_type = "LRS"\n}\n'
        'resource "azurerm_storage_account_network_rules" "sa" {\n  storage_account_id = azurerm_storage_account.sa.id\n'
        '  default_action = "Deny"\n}\n',
    },
    "azure_nsg_roles": {
        "main.tf": 'resource "azurerm_network_security_group" "nsg" {\n  name = "%(name)s"\n  location = "westeurope"\n'
        '  resource_group_name = "rg"\n  security_rule {\n    name = "deny-ssh"\n    priority = 100\n    direction = "Inbound"\n'
        '    access = "Deny"\n    protocol = "Tcp"\n    source_port_range = "*"\n    destination_port_range = "22"\n'
        '    source_address_prefix = "*"\n    destination_address_prefix = "*"\n  }\n  security_rule {\n    name = "allow-all"\n'
        '    priority = 200\n    direction = "Inbound"\n    access = "Allow"\n    protocol = "Tcp"\n    source_port_range = "*"\n'
        '    destination_port_range = "0-65535"\n    source_address_prefix = "*"\n    destination_address_prefix = "*"\n  }\n}\n'
        'data "azurerm_subscription" "current" {}\n'
        'resource "azurerm_role_assignment" "owner" {\n  scope = data.azurerm_subscription.current.id\n'
        '  role_definition_name = "Contributor"\n  principal_id = "00000000-0000-0000-0000-000000000001"\n}\n'
        'resource "azurerm_machine_learning_compute_cluster" "cc" {\n  name = "%(name)s"\n  location = "westeurope"\n'
        '  machine_learning_workspace_id = "/subscriptions/x/ws"\n  vm_priority = "LowPriority"\n  vm_size = "STANDARD_DS2_V2"\n'
        '  scale_settings {\n    min_node_count = 0\n    max_node_count = 1\n    scale_down_nodes_after_idle_duration = "PT30S"\n  }\n}\n',
    },
    "sagemaker_studio": {
        "main.tf": 'resource "aws_sagemaker_domain" "d" {\n  domain_name = "%(name)s"\n  auth_mode = "IAM"\n  vpc_id = "vpc-1"\n'
        '  subnet_ids = ["subnet-1"]\n  app_network_access_type = "PublicInternetOnly"\n'
        '  default_user_settings {\n    execution_role = "arn:aws:iam::111122223333:role/r"\n  }\n}\n'
        'resource "aws_sagemaker_user_profile" "u" {\n  domain_id = aws_sagemaker_domain.d.id\n  user_profile_name = "%(name)s"\n}\n',
    },
    "broken_file": {
        "main.tf": BUCKET + 'resource "aws_s3_bucket_acl" "data" {\n  bucket = aws_s3_bucket.data.id\n  acl = "public-read"\n}\n',
        "broken.tf": 'locals {\n  x = [\n}\n',
    },
    "huge_count": {
        "main.tf": 'resource "aws_s3_bucket" "many" {\n  count = 50000000\n  bucket = "%(name)s-${count.index}"\n  acl = "public-read"\n}\n',
    },
}
TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: dev}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "%(name)s-${Env}"
      AccessControl: PublicRead
  User:
    Type: AWS::IAM::User
    Properties:
      Policies:
        - PolicyName: all
          PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
"""


def where(pattern: str, variant: str) -> str:
    """Root modules sit at two depths under two parents, as monorepos have them."""
    parent = "stacks" if list(PATTERNS).index(pattern) % 2 else "envs/prod"
    return f"{parent}/{pattern}-{variant}"


def build(root: Path) -> list[str]:
    """Two root modules per pattern (more than 30), plus templates; returns the root folders."""
    roots: list[str] = []
    for pattern, files in PATTERNS.items():
        for variant in ("a", "b"):
            folder = where(pattern, variant)
            roots.append(folder)
            for name, text in files.items():
                path = root / folder / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text % {"name": f"{pattern}-{variant}".replace("_", "-")} if "%(" in text else text)
    for variant in ("a", "b"):
        (root / "cfn").mkdir(exist_ok=True)
        (root / "cfn" / f"stack-{variant}.yaml").write_text(TEMPLATE % {"name": f"cfn-{variant}"})
    return roots


def _results(outcome, prefix: str) -> tuple[set, set]:
    found = {
        (check, rid) for rid, checks in outcome.failed.items() if rid.startswith(prefix) for check in checks
    }
    found |= {("resource", rid) for rid in outcome.resources if rid.startswith(prefix)}
    errors = {(e.path, e.line, e.message, e.incomplete) for e in outcome.errors if (e.path or "").startswith(prefix.rstrip(":#"))}
    return found, errors


def test_each_root_module_scans_the_same_alone_and_in_the_monorepo(tmp_path: Path) -> None:
    mono = tmp_path / "mono"
    roots = build(mono)
    assert len(roots) >= 30
    whole = scan(mono)
    for folder in roots:
        alone = scan(mono / folder, root=mono)
        in_mono, in_mono_errors = _results(whole, f"{folder}:")
        by_itself, by_itself_errors = _results(alone, f"{folder}:")
        assert in_mono == by_itself, folder
        assert in_mono_errors == by_itself_errors, folder
        assert any(kind == "resource" for kind, _ in by_itself), f"{folder}: nothing modelled"
    for template in ("cfn/stack-a.yaml", "cfn/stack-b.yaml"):
        alone = scan(mono / template, root=mono)
        assert _results(whole, f"{template}#") == _results(alone, f"{template}#")
        assert "bucket_public_read" in whole.failed[f"{template}#Bucket"]

    # the patterns are judged as they should be, beside each other
    def failed(pattern: str, address: str, variant: str = "a") -> set[str]:
        return whole.failed.get(f"{where(pattern, variant)}:{address}", set())

    assert "bucket_public_read" in failed("public_acl", "aws_s3_bucket.data")
    assert "bucket_public_read" not in failed("account_block", "aws_s3_bucket.data")
    assert "bucket_public_read" in failed("broken_file", "aws_s3_bucket.data", "b")
    assert "bucket_public_read" in failed("counted_modules", "module.b[1].aws_s3_bucket.this")
    assert "bucket_public_read" in failed("counted_modules", 'module.f["y"].aws_s3_bucket.this')
    assert "bucket_public_read" in failed("registry_module", "module.store.aws_s3_bucket.this")
    assert "network_admin_port_open_to_world" in failed("local_module", "aws_security_group.web")
    assert "bucket_public_read" in failed("huge_count", "aws_s3_bucket.many")
    broken = [e for e in whole.errors if e.path == f"{where('broken_file', 'a')}/broken.tf"]
    assert broken and broken[0].incomplete and broken[0].line is not None
    # no unknown value is ever shown with its internal repr
    for res in whole.resources.values():
        assert "Unknown(" not in res.model_dump_json()  # type: ignore[attr-defined]
