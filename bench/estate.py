"""Benchmark: a whole AWS Organization scanned nightly from one auditor.yaml.

An organization of N moto accounts (default 50), each with a few hundred resources (buckets, IAM
roles, security groups), served by one ``moto_server`` on 127.0.0.1. Two "nightly" scans run as
``auditor scan --config`` in their own processes (the estate changes a little in between), each
recorded in an SQLite store; then ``auditor diff`` compares them. Prints and writes (``--json``)
wall times, the auditor's peak memory (max RSS of the scan process), the store size and the diff
time.

    python bench/estate.py --accounts 50 --json bench/estate-results.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
ROLE = "AuditorReadOnly"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("moto_server did not start")


def session_in(account: str, boto3: Any) -> Any:
    creds = boto3.client("sts", REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench-seed"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"], region_name=REGION,
    )


TRUST_SERVICE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
TRUST_ANYONE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def seed_account(account: str, buckets: int, roles: int, groups: int, boto3: Any) -> int:
    session = session_in(account, boto3)
    s3, iam, ec2 = session.client("s3"), session.client("iam"), session.client("ec2")
    for i in range(buckets):
        name = f"ml-{account}-{i:03d}"
        s3.create_bucket(Bucket=name)
        if i % 10 == 0:
            s3.put_bucket_acl(Bucket=name, ACL="public-read")
        if i % 3 == 0:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            )
        if i % 4 == 0:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for i in range(roles):
        name = f"ml-role-{i:03d}"
        trust = TRUST_ANYONE if i % 25 == 0 else TRUST_SERVICE
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        if i % 20 == 0:
            iam.put_role_policy(RoleName=name, PolicyName="admin", PolicyDocument=json.dumps(ADMIN))
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    for i in range(groups):
        gid = ec2.create_security_group(GroupName=f"ml-sg-{i:03d}", Description="bench", VpcId=vpc)["GroupId"]
        port = (22, 8888, 8265, 5000, 443)[i % 5]
        cidr = "0.0.0.0/0" if i % 4 == 0 else "10.0.0.0/8"
        ec2.authorize_security_group_ingress(
            GroupId=gid, IpPermissions=[{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}]
        )
    return buckets + roles + groups


def overnight_changes(accounts: list[str], boto3: Any) -> dict[str, int]:
    """A tenth of the accounts change: a new unencrypted bucket, one bucket deleted, a role that
    trusted anyone fixed."""
    changed = accounts[::10]
    for account in changed:
        session = session_in(account, boto3)
        s3, iam = session.client("s3"), session.client("iam")
        s3.create_bucket(Bucket=f"ml-{account}-new")
        s3.delete_bucket(Bucket=f"ml-{account}-010")
        iam.update_assume_role_policy(RoleName="ml-role-000", PolicyDocument=json.dumps(TRUST_SERVICE))
    return {"accounts_changed": len(changed)}


def run_timed(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, the child's peak RSS in MiB, and its stderr tail. Each timed command runs
    under a fresh Python so RUSAGE_CHILDREN's max-RSS is that command's own."""
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024\n"
        "print(json.dumps({'wall': wall, 'rss': rss, 'rc': p.returncode, 'err': p.stderr[-2000:], 'out': p.stdout}))\n"
    )
    done = subprocess.run([sys.executable, "-c", wrapper, *args], env=env, capture_output=True, text=True, check=True)
    data = json.loads(done.stdout)
    if data["rc"] not in (0, 1, 3):
        raise RuntimeError(f"{' '.join(args)} exited {data['rc']}: {data['err']}")
    return float(data["wall"]), int(data["rss"]), data["out"] or data["err"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--buckets", type=int, default=40)
    parser.add_argument("--roles", type=int, default=120)
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8, help="concurrency.accounts")
    parser.add_argument("--per-account", type=int, default=8, help="concurrency.per_account")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="auditor-bench-estate-"))
    port = free_port()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "false", "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
        "AUDITOR_STORE": str(work / "history.sqlite"),
    }
    env.pop("AWS_PROFILE", None)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("AWS_", "MOTO_"))})
    moto = start_moto(port, env)
    figures: dict[str, Any] = {"accounts": opts.accounts, "concurrency": opts.concurrency, "per_account": opts.per_account}
    try:
        import boto3

        org = boto3.client("organizations", REGION)
        org.create_organization(FeatureSet="ALL")
        t = time.perf_counter()
        members = [
            org.create_account(AccountName=f"ml-{i}", Email=f"ml-{i}@example.com")["CreateAccountStatus"]["AccountId"]
            for i in range(opts.accounts - 1)  # plus the management account itself
        ]
        with ThreadPoolExecutor(max_workers=4) as pool:
            counts = list(pool.map(lambda a: seed_account(a, opts.buckets, opts.roles, opts.groups, boto3), members))
        figures["seeded_resources"] = sum(counts)
        figures["seed_seconds"] = round(time.perf_counter() - t, 1)
        print(f"seeded {sum(counts)} resources in {opts.accounts - 1} member accounts in {figures['seed_seconds']}s",
              file=sys.stderr)

        cfg = work / "auditor.yaml"
        cfg.write_text(
            f"name: bench-org\nsources:\n  aws:\n    regions: [{REGION}]\n    organization:\n"
            f"      role_name: {ROLE}\n      external_id: bench\n"
            f"concurrency:\n  accounts: {opts.concurrency}\n  per_account: {opts.per_account}\n"
            f"outputs:\n  formats: [json, html]\n  output_dir: {work / 'reports'}\n  fail_on: none\n"
        )
        scan = [str(BIN / "auditor"), "scan", "--config", str(cfg), "-q", "--allow-partial"]
        for night in (1, 2):
            if night == 2:
                figures.update(overnight_changes(members, boto3))
            wall, rss, _ = run_timed(scan, env)
            figures[f"scan{night}_seconds"] = round(wall, 1)
            figures[f"scan{night}_peak_rss_mib"] = rss
            print(f"night {night}: {wall:.1f}s, peak RSS {rss} MiB", file=sys.stderr)
        results = sorted((work / "reports").glob("auditor-*.json"))
        last = json.loads(results[-1].read_text())
        figures["resources_scanned"] = len(last["inventory"])
        figures["findings"] = len(last["findings"])
        figures["api_calls"] = last["scan"]["api_calls_total"]
        figures["collection_errors"] = len(last["collection_errors"])
        figures["result_json_mib"] = round(results[-1].stat().st_size / 2**20, 1)
        store_files = [work / "history.sqlite", work / "history.sqlite-wal"]
        figures["store_mib_after_two_scans"] = round(sum(p.stat().st_size for p in store_files if p.exists()) / 2**20, 1)
        wall, rss, out = run_timed([str(BIN / "auditor"), "diff", "--format", "json"], env)
        counts = json.loads(out)["counts"]
        figures["diff_seconds"] = round(wall, 2)
        figures["diff_peak_rss_mib"] = rss
        figures["diff_counts"] = counts
        per_account = figures["scan2_seconds"] / opts.accounts
        figures["projection_500_accounts_scan_seconds"] = round(per_account * 500)
        figures["projection_500_accounts_store_mib_per_scan"] = round(figures["store_mib_after_two_scans"] / 2 * 10, 1)
        figures["self_max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    finally:
        moto.terminate()
        moto.wait(timeout=30)
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}", file=sys.stderr)
    print(json.dumps(figures, indent=2))
    if opts.json:
        opts.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
