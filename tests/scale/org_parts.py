"""The organization the scale tests and ``bench/estate_scale.py --moto`` share: moto's server holding
an AWS Organization (members reached through AssumeRole), its auditor.yaml, the environment
the auditor runs in against it, and real ``auditor worker`` processes. Plain functions (no
pytest), so the benchmark imports them too."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IAC_ROOTS = [ROOT / "tests" / "iac" / "projects" / "public_grants", ROOT / "tests" / "iac" / "projects" / "iam_users"]


@contextlib.contextmanager
def moto_organization(accounts: int) -> Iterator[tuple[str, list[str]]]:
    """moto's server with an organization of ``accounts`` member accounts (two buckets each, one of
    them public), reached through AssumeRole. Yields (endpoint URL, member account ids)."""
    import boto3
    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in ("MOTO_IAM_LOAD_MANAGED_POLICIES",)}
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "false"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    org = session.client("organizations", endpoint_url=url)
    org.create_organization(FeatureSet="ALL")
    members = []
    for i in range(accounts):
        members.append(org.create_account(AccountName=f"ml-{i}", Email=f"ml-{i}@example.com")
                       ["CreateAccountStatus"]["AccountId"])
    sts = session.client("sts", endpoint_url=url)
    for account in members:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/AuditorReadOnly",
                                RoleSessionName="seed")["Credentials"]
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                          aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
        s3.create_bucket(Bucket=f"models-{account}")
        s3.create_bucket(Bucket=f"open-{account}", ACL="public-read")
    try:
        yield url, members
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def aws_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AUDITOR_"))}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               PYTHONPATH=str(ROOT))
    env.update(extra or {})
    return env


def write_config(path: Path, endpoint: str, broker: str, *, extra_roots: list[Path] = (), visibility_timeout: int = 3600,  # type: ignore[assignment]
                 iac: bool = True) -> Path:
    """The organization's auditor.yaml (plus IaC roots unless ``iac`` is false)."""
    roots = [*IAC_ROOTS, *extra_roots]
    iac_section = f"  iac:\n    paths: [{', '.join(str(p) for p in roots)}]\n" if iac else ""
    path.write_text(
        f"""
name: org-scale
sources:
  aws:
    regions: [us-east-1]
    endpoint_url: {endpoint}
    organization:
      role_name: AuditorReadOnly
      include_management: false
{iac_section}checks:
  include: ["bucket_*", "role_*", "user_*"]
concurrency:
  accounts: 2
  per_account: 4
distributed:
  broker: {broker}
  visibility_timeout: {visibility_timeout}
  max_tasks_per_child: 10
"""
    )
    return path


class Workers:
    """Real ``auditor worker`` processes, each in its own process group (SIGKILL takes the lot)."""

    def __init__(self, config: Path, env: dict[str, str], logs: Path, concurrency: int = 2) -> None:
        self.config, self.env, self.logs, self.concurrency = config, env, logs, concurrency
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "auditor", "worker", "--config", str(self.config), "--concurrency", str(self.concurrency),
             "--loglevel", "WARNING"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
