#!/usr/bin/env python3
"""Benchmark: the auditor versus Prowler on one emulated AWS account, in the same run.

1. Start a moto server on 127.0.0.1 (MOTO_IAM_LOAD_MANAGED_POLICIES=true,
   MOTO_EC2_LOAD_DEFAULT_AMIS=false) and populate it: 1,000 buckets, 300 roles, 50 notebook
   instances (plus security groups, keys and a trail) in mixed configurations, remembering
   every planted misconfiguration.
2. Measure the emulator's own request rate (16 threads of cheap S3 reads): it is the ceiling.
3. Time ``auditor scan aws`` (wall, CPU, peak RSS, API calls) and Prowler (installed into a
   throwaway virtualenv, services s3 iam sagemaker ec2 kms cloudtrail) against the same server
   and region; count the requests each made from the server's access log.
4. Count planted misconfigurations each tool found.
5. Time ``auditor evaluate`` alone on a saved inventory of 100,000 resources.

Usage: python bench/aws_scan.py [--buckets 1000 --roles 300 --notebooks 50] [--skip-prowler]
       [--work DIR] [--json results.json]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
ACCOUNT = "123456789012"
PARTNER = "210987654321"
PROWLER_SERVICES = ["s3", "iam", "sagemaker", "ec2", "kms", "cloudtrail"]

# Prowler check ids that report each of our planted misconfigurations.
PROWLER_EQUIVALENTS = {
    "bucket_public_read": {"s3_bucket_public_access", "s3_bucket_public_list_acl", "s3_bucket_policy_public_write_access"},
    "bucket_versioning_off": {"s3_bucket_object_versioning"},
    "bucket_tls_not_enforced": {"s3_bucket_secure_transport_policy"},
    "role_trusts_any_principal": {"iam_role_cross_service_confused_deputy_prevention", "iam_no_custom_policy_permissive_role_assumption"},
    "role_cross_account_no_external_id": {"iam_role_cross_account_readonlyaccess_policy", "iam_role_cross_service_confused_deputy_prevention"},
    "role_wildcard_data_access": {"iam_inline_policy_no_administrative_privileges", "iam_policy_allows_privilege_escalation",
                                  "iam_inline_policy_allows_privilege_escalation"},
    "role_admin_access": {"iam_role_administratoraccess_policy", "iam_inline_policy_no_administrative_privileges",
                          "iam_aws_attached_policy_no_administrative_privileges"},
    "notebook_direct_internet": {"sagemaker_notebook_instance_without_direct_internet_access_configured"},
    "notebook_root_access": {"sagemaker_notebook_instance_root_access_disabled"},
    "notebook_not_customer_key": {"sagemaker_notebook_instance_encryption_enabled"},
    "notebook_no_private_network": {"sagemaker_notebook_instance_vpc_settings_configured"},
    "network_ml_port_open_to_world": {"ec2_securitygroup_allow_ingress_from_internet_to_any_port",
                                      "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_cassandra_7199_9160_8888",
                                      "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports"},
    "network_admin_port_open_to_world": {"ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22"},
    "key_rotation_off": {"kms_cmk_rotation_enabled"},
}

# werkzeug's access log; non-2xx lines are wrapped in terminal colour codes.
REQUEST_LINE = re.compile(r'(?:GET|POST|PUT|HEAD|DELETE) /[^"]*HTTP/1\.[01](?:\x1b\[0m)?" \d{3}')


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- emulator ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MotoServer:
    """moto in its own process, so its CPU and memory never count as the scanner's."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = work / "moto-access.log"
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("moto server did not start")

    def requests(self) -> int:
        self._log.flush()
        return sum(1 for line in self.log_path.read_text(errors="replace").splitlines() if REQUEST_LINE.search(line))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self._log.close()


def client_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION=REGION, AWS_ENDPOINT_URL=url,
    )
    return env


# --- population -------------------------------------------------------------------------


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def tls_only(bucket: str) -> str:
    return policy({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                   "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}})


def populate(session: Any, n_buckets: int, n_roles: int, n_notebooks: int) -> dict[str, set[str]]:
    """Create the estate; returns {check id: names of resources planted to fail it}."""
    planted: dict[str, set[str]] = defaultdict(set)
    lock = threading.Lock()

    def plant(check: str, name: str) -> None:
        with lock:
            planted[check].add(name)

    s3 = session.client("s3")

    def bucket(i: int) -> None:
        name = f"bench-ml-{i:04d}"
        s3.create_bucket(Bucket=name)
        if i % 20 == 0:
            s3.put_bucket_acl(Bucket=name, ACL="public-read")
            plant("bucket_public_read", name)
        elif i % 50 == 7:
            s3.put_bucket_policy(Bucket=name, Policy=policy(
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}))
            plant("bucket_public_read", name)
            plant("bucket_tls_not_enforced", name)
        elif i % 3 == 0:
            s3.put_bucket_policy(Bucket=name, Policy=tls_only(name))
        else:
            plant("bucket_tls_not_enforced", name)
        if i % 2 == 0:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        else:
            plant("bucket_versioning_off", name)
        if i % 20 == 0:
            plant("bucket_tls_not_enforced", name)

    iam = session.client("iam")
    sagemaker_trust = policy({"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"})

    def role(i: int) -> None:
        name = f"bench-role-{i:03d}"
        if i % 30 == 0:
            trust = policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
            plant("role_trusts_any_principal", name)
        elif i % 30 == 1:
            trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"}, "Action": "sts:AssumeRole"})
            plant("role_cross_account_no_external_id", name)
        elif i % 30 == 2:
            trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"}, "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}})
        else:
            trust = sagemaker_trust
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        if i % 20 == 3:
            iam.put_role_policy(RoleName=name, PolicyName="data", PolicyDocument=policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
            plant("role_wildcard_data_access", name)
        else:
            iam.put_role_policy(RoleName=name, PolicyName="data", PolicyDocument=policy(
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bench-ml-{i:04d}/*"}))
        if i % 50 == 4:
            iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
            plant("role_admin_access", name)

    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]
    for port, check in ((8888, "network_ml_port_open_to_world"), (5000, "network_ml_port_open_to_world"),
                        (8265, "network_ml_port_open_to_world"), (22, "network_admin_port_open_to_world")):
        name = f"bench-open-{port}"
        group = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        plant(check, group)
    internal = ec2.create_security_group(GroupName="bench-internal", Description="internal", VpcId=vpc)["GroupId"]

    kms = session.client("kms")
    keys = []
    for i in range(10):
        key = kms.create_key(Description=f"bench-key-{i}")["KeyMetadata"]
        keys.append(key["Arn"])
        if i % 2 == 0:
            kms.enable_key_rotation(KeyId=key["KeyId"])
        else:
            plant("key_rotation_off", key["KeyId"])

    sm = session.client("sagemaker")
    secret_script = base64.b64encode(b"#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIA2E0A8F3B244C9986\n").decode()
    sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="bench-lc-secret", OnStart=[{"Content": secret_script}])
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/bench-role-005"

    def notebook(i: int) -> None:
        name = f"bench-notebook-{i:02d}"
        params: dict[str, Any] = {"NotebookInstanceName": name, "InstanceType": "ml.t3.medium", "RoleArn": role_arn}
        if i % 2 == 0:
            plant("notebook_direct_internet", name)
        else:
            params["DirectInternetAccess"] = "Disabled"
        if i % 3 == 0:
            plant("notebook_root_access", name)
        else:
            params["RootAccess"] = "Disabled"
        if i % 4 == 0:
            params["KmsKeyId"] = keys[0]
        else:
            plant("notebook_not_customer_key", name)
        if i % 5 == 0:
            params.update(SubnetId=subnet, SecurityGroupIds=[internal])
        else:
            plant("notebook_no_private_network", name)
        if i % 10 == 0:
            params["LifecycleConfigName"] = "bench-lc-secret"
            plant("notebook_startup_secret", name)
        sm.create_notebook_instance(**params)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(bucket, range(n_buckets)))
    # moto's IAM and SageMaker backends are not safe for concurrent writes: one at a time.
    for i in range(n_roles):
        role(i)
    for i in range(n_notebooks):
        notebook(i)

    trail = session.client("cloudtrail")
    trail.create_trail(Name="bench-trail", S3BucketName="bench-ml-0001", IsMultiRegionTrail=True)
    trail.start_logging(Name="bench-trail")
    return planted


def emulator_rate(session: Any, n_buckets: int, calls: int = 1500, threads: int = 16) -> float:
    """Requests per second the emulator serves for cheap S3 reads, whatever the concurrency."""
    s3 = session.client("s3", config=_config(threads))
    names = [f"bench-ml-{i % n_buckets:04d}" for i in range(calls)]
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda n: s3.get_bucket_versioning(Bucket=n), names))
    return calls / (time.perf_counter() - start)


def _config(pool: int) -> Any:
    from botocore.config import Config

    return Config(max_pool_connections=pool, retries={"mode": "standard", "max_attempts": 3})


# --- measured runs ----------------------------------------------------------------------


# A fresh, small interpreter runs the measured command and reports its rusage. Measuring the
# command straight from this process would be wrong: ru_maxrss survives exec, so a child forked
# from a large parent starts with the parent's resident size.
_RUSAGE_WRAPPER = """
import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"exit": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss,
               "cpu_s": usage.ru_utime + usage.ru_stime}, out)
"""


def measured(cmd: list[str], env: dict[str, str], log_path: Path) -> dict[str, Any]:
    """Run a command; wall time, CPU seconds and peak RSS of that process alone."""
    usage_path = log_path.with_suffix(".rusage.json")
    start = time.perf_counter()
    with log_path.open("w") as out:
        subprocess.run([sys.executable, "-c", _RUSAGE_WRAPPER, str(usage_path), *cmd],
                       env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, check=False)
    wall = time.perf_counter() - start
    usage = json.loads(usage_path.read_text())
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage["cpu_s"], 2),
        "peak_rss_mb": round(usage["maxrss_kb"] / 1024, 1),
        "exit_code": usage["exit"],
    }


def run_auditor(server: MotoServer, work: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    out = work / "auditor-out"
    cmd = [str(REPO / ".venv/bin/auditor"), "scan", "aws", "--regions", REGION, "--format", "json",
           "--output-dir", str(out), "--fail-on", "none", "--allow-partial", "--quiet", "--no-store"]
    before = server.requests()
    stats = measured(cmd, client_env(server.url), work / "auditor.log")
    stats["server_requests"] = server.requests() - before
    result = json.loads(sorted(out.glob("*.json"))[-1].read_text())
    stats["api_calls"] = result["scan"]["api_calls_total"]
    stats["resources"] = len(result["inventory"])
    stats["command"] = " ".join(cmd[1:]).replace(str(out), "OUT")
    return stats, result


def ensure_prowler(work: Path) -> Path:
    venv = Path(os.environ.get("PROWLER_VENV", work / "prowler-venv"))
    prowler = venv / "bin" / "prowler"
    if not prowler.exists():
        log(f"installing Prowler into {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin/pip"), "install", "-q", "prowler"], check=True)
    return prowler


def run_prowler(server: MotoServer, work: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    prowler = ensure_prowler(work)
    version = subprocess.run([str(prowler), "--version"], capture_output=True, text=True).stdout.strip()
    out = work / "prowler-out"
    cmd = [str(prowler), "aws", "--services", *PROWLER_SERVICES, "-f", REGION, "--output-formats", "json-ocsf",
           "-o", str(out), "-F", "bench", "--no-banner", "-z"]
    before = server.requests()
    stats = measured(cmd, client_env(server.url), work / "prowler.log")
    stats["server_requests"] = server.requests() - before
    stats["version"] = version
    stats["command"] = " ".join(cmd[1:]).replace(str(out), "OUT")
    path = out / "bench.ocsf.json"
    findings = json.loads(path.read_text()) if path.exists() else []
    stats["findings_file"] = path.exists()
    return stats, findings


# --- what was found ---------------------------------------------------------------------


def auditor_found(result: dict[str, Any], planted: dict[str, set[str]]) -> dict[str, int]:
    fails = defaultdict(set)
    for f in result["findings"]:
        if f["status"] == "fail":
            fails[f["check_id"]].add(f["resource_name"])
            fails[f["check_id"]].add(f["resource_id"].rsplit("/", 1)[-1])
    return {check: sum(1 for name in names if _matches(name, fails[check])) for check, names in planted.items()}


def _matches(name: str, found: set[str]) -> bool:
    return name in found or any(f.startswith(name + " ") or f.endswith(f"({name})") for f in found)


def prowler_found(findings: list[dict[str, Any]], planted: dict[str, set[str]]) -> dict[str, int]:
    fails = defaultdict(set)
    for f in findings:
        if str(f.get("status_code", "")).upper() != "FAIL":
            continue
        check = (f.get("metadata") or {}).get("event_code") or (f.get("finding_info") or {}).get("uid", "")
        for res in f.get("resources") or []:
            for value in (res.get("uid", ""), res.get("name", "")):
                if value:
                    fails[check].add(str(value).rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    out = {}
    for check, names in planted.items():
        hits: set[str] = set()
        for pcheck in PROWLER_EQUIVALENTS.get(check, ()):
            hits |= fails.get(pcheck, set())
        out[check] = sum(1 for name in names if name in hits)
    return out


# --- the engine alone -------------------------------------------------------------------


def engine_alone(result: dict[str, Any], work: Path, target: int = 100_000) -> dict[str, Any]:
    """Replicate the scanned inventory to ``target`` resources and time ``auditor evaluate``."""
    base = result["inventory"]
    items: list[dict[str, Any]] = []
    n = 0
    while len(items) < target:
        for item in base:
            copy = json.loads(json.dumps(item))
            copy["ref"]["id"] = f"{copy['ref']['id']}#{n}"
            copy["ref"]["name"] = f"{copy['ref']['name']}-{n}"
            items.append(copy)
            if len(items) >= target:
                break
        n += 1
    inventory = {"kind": "auditor-inventory", "schema_version": result.get("schema_version", "1"), "sources": ["aws"],
                 "scope": "bench-100k", "inventory": items, "collection_errors": [], "api_calls": {}}
    path = work / "inventory-100k.json"
    path.write_text(json.dumps(inventory))
    out = work / "evaluate-out"
    cmd = [str(REPO / ".venv/bin/auditor"), "evaluate", str(path), "--format", "json", "--output-dir", str(out),
           "--fail-on", "none", "--quiet", "--no-store"]
    stats = measured(cmd, {**os.environ}, work / "evaluate.log")
    produced = json.loads(sorted(out.glob("*.json"))[-1].read_text())
    stats.update(resources=len(items), findings=len(produced["findings"]), command="auditor evaluate inventory-100k.json --format json")
    return stats


# --- main -------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buckets", type=int, default=1000)
    parser.add_argument("--roles", type=int, default=300)
    parser.add_argument("--notebooks", type=int, default=50)
    parser.add_argument("--skip-prowler", action="store_true")
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "auditor-bench")
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for stale in ("auditor-out", "prowler-out", "evaluate-out"):
        for old in (args.work / stale).glob("*") if (args.work / stale).exists() else ():
            old.unlink()

    import boto3

    server = MotoServer(args.work)
    figures: dict[str, Any] = {"estate": {"buckets": args.buckets, "roles": args.roles, "notebooks": args.notebooks}}
    try:
        os.environ.update(client_env(server.url))
        session = boto3.Session(region_name=REGION)
        log(f"populating {server.url}")
        start = time.perf_counter()
        planted = populate(session, args.buckets, args.roles, args.notebooks)
        figures["populate_s"] = round(time.perf_counter() - start, 1)
        figures["planted"] = {k: len(v) for k, v in sorted(planted.items())}
        log("measuring the emulator's request rate")
        rate = emulator_rate(session, args.buckets)
        figures["emulator_requests_per_s"] = round(rate, 1)

        log("auditor scan")
        ours, result = run_auditor(server, args.work)
        ours["calls_per_resource"] = round(ours["api_calls"] / max(1, ours["resources"]), 2)
        ours["emulator_floor_s"] = round(ours["server_requests"] / rate, 2)
        ours["vs_emulator_floor"] = round(ours["wall_s"] / ours["emulator_floor_s"], 2)
        ours["found"] = auditor_found(result, planted)
        figures["auditor"] = ours
        log(f"auditor: {ours['wall_s']} s, {ours['server_requests']} requests")

        if not args.skip_prowler:
            log("prowler scan")
            try:
                theirs, findings = run_prowler(server, args.work)
                theirs["found"] = prowler_found(findings, planted)
                theirs["calls_per_resource"] = round(theirs["server_requests"] / max(1, ours["resources"]), 2)
                figures["prowler"] = theirs
                figures["speedup"] = round(theirs["wall_s"] / ours["wall_s"], 1)
                log(f"prowler: {theirs['wall_s']} s, {theirs['server_requests']} requests")
            except (OSError, subprocess.CalledProcessError) as exc:
                figures["prowler"] = {"error": f"{type(exc).__name__}: {exc}"}
            # The machine's load drifts over a long run: scan and measure the ceiling once more
            # after Prowler, so each tool has a neighbour measured under similar conditions.
            log("auditor scan again, and the emulator rate again")
            rate_after = emulator_rate(session, args.buckets)
            again, _ = run_auditor(server, args.work)
            again["emulator_requests_per_s"] = round(rate_after, 1)
            again["emulator_floor_s"] = round(again["server_requests"] / rate_after, 2)
            again["vs_emulator_floor"] = round(again["wall_s"] / again["emulator_floor_s"], 2)
            figures["auditor_after_prowler"] = again
    finally:
        server.stop()

    if not args.skip_engine:
        log("engine alone on 100,000 resources")
        figures["engine_100k"] = engine_alone(result, args.work)

    text = json.dumps(figures, indent=2, sort_keys=True)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
