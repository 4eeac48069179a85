"""Benchmark: an organization of simulated accounts through 1, 2 and 4 ``auditor worker`` processes.

Each account is scanned by a synthetic collector that waits a realistic per-call latency (so the
machine's two cores are not what limits throughput, as cloud APIs are not) and yields buckets and
roles with distinct ids; everything else is the real path: Celery over Debian's redis-server,
``auditor.scale.scan_target`` (lease, streamed evaluation, upserts) into a PostgreSQL store.

Reports accounts per minute, peak RSS per worker process (the highest VmHWM among its pool
children and itself), the store's size, and the scaling ratio against one worker.

Run: ``python bench/estate_scale.py [--accounts 1000] [--workers 1,2,4] [--latency 0.05]
[--calls 20] [--json figures.json]``. Needs redis-server and PostgreSQL's server binaries.

``--moto 50`` runs nothing simulated instead: moto's server holding an AWS Organization of 50
member accounts (the one ``tests/scale`` builds), each reached through AssumeRole by real
``auditor worker`` processes (one target at a time each) started by ``auditor scan --config
--distributed``, with the default shared request budget on. Reports the same figures for each
number of ``--workers`` and the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "history"))
sys.path.insert(0, str(ROOT / "tests" / "scale"))


class SyntheticCollector:
    """An account behind a slow API: ``calls`` round trips of ``latency`` seconds, then
    ``buckets`` buckets and ``roles`` roles (half of the buckets public, one role trusting anyone)."""

    name = "aws"

    def __init__(self, account: str, *, calls: int, latency: float, buckets: int = 20, roles: int = 10) -> None:
        self.account, self.calls, self.latency, self.buckets, self.roles = account, calls, latency, buckets, roles

    def scope(self) -> str:
        return f"aws-{self.account}"

    def collect(self, sink: Any) -> None:
        from auditor.resources import Bucket, Ref, Role

        for _ in range(self.calls):
            time.sleep(self.latency)
            sink.call("synthetic:Call")
        for i in range(self.buckets):
            ref = Ref(provider="aws", cloud="aws", account=self.account, region="us-east-1",
                      id=f"arn:aws:s3:::b{i}-{self.account}", name=f"b{i}-{self.account}")
            sink.add(Bucket(ref=ref, public_read=i % 2 == 0, public_via="bucket ACL" if i % 2 == 0 else None))
        for i in range(self.roles):
            ref = Ref(provider="aws", cloud="aws", account=self.account, id=f"arn:aws:iam::{self.account}:role/r{i}",
                      name=f"r{i}")
            sink.add(Role(ref=ref, trusts_any_principal=i == 0))


def worker_main(broker: str, calls: int, latency: float) -> None:
    """An ``auditor worker`` whose targets are synthetic accounts (the only part that is simulated)."""
    import auditor.targets as targets
    from auditor.config import AuditorConfig
    from auditor.worker import run_worker

    def synthetic(target: Any, limits: Any = None) -> list[Any]:
        return [SyntheticCollector(target.key, calls=calls, latency=latency)]

    targets.collectors_for = synthetic  # type: ignore[assignment]
    run_worker(broker, AuditorConfig(), concurrency=1, max_tasks_per_child=50, loglevel="WARNING")


def _peak_rss_mib(pid: int) -> float:
    """VmHWM of the worker and its children (the prefork pool), the largest, in MiB."""
    peak = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return round(peak / 1024, 1)


def run_once(n_workers: int, accounts: int, calls: int, latency: float, redis_url: str, store_url: str) -> dict[str, Any]:
    from auditor.config import AuditorConfig
    from auditor.runs import FINAL, RunStore
    from auditor.store import normalise_url, open_store
    from auditor.targets import Target
    from auditor.worker import enqueue

    run = f"bench-{n_workers}w-{int(time.time())}"
    targets = [Target("aws", f"{100000000000 + i}") for i in range(accounts)]
    runs = RunStore(open_store(normalise_url(store_url)))
    config = AuditorConfig.model_validate({"checks": {"include": ["bucket_*", "role_*"]}})
    procs = [
        subprocess.Popen([sys.executable, __file__, "--worker", redis_url, str(calls), str(latency)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(n_workers)
    ]
    peaks: dict[int, float] = {}
    try:
        time.sleep(3)  # workers up before the clock starts
        runs.create_run(run, "bench", "distributed", config.model_dump(mode="json"), targets)
        start = time.perf_counter()
        enqueue(redis_url, config, run, targets, normalise_url(store_url))
        while True:
            done = sum(1 for s in runs.states(run) if s.state in FINAL)
            for p in procs:
                peaks[p.pid] = max(peaks.get(p.pid, 0.0), _peak_rss_mib(p.pid))
            if done >= accounts:
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - start
        states = runs.states(run)
        failed = sum(1 for s in states if s.state != "done")
        findings = len(runs.findings_of(run))
    finally:
        for p in procs:
            os.killpg(p.pid, 15)
        for p in procs:
            p.wait(timeout=30)
        runs.store.close()
    return {
        "workers": n_workers, "accounts": accounts, "seconds": round(elapsed, 1),
        "accounts_per_minute": round(accounts / elapsed * 60, 1),
        "peak_rss_mib_per_worker": sorted(peaks.values()), "failed_targets": failed, "findings_stored": findings,
    }


def run_moto(n_workers: int, accounts: int, endpoint: str, redis_url: str, store_url: str, folder: Path) -> dict[str, Any]:
    """One distributed run of the moto organization through ``n_workers`` real ``auditor worker``s."""
    from org_parts import Workers, aws_env, write_config

    from auditor.runs import FINAL, RunStore
    from auditor.store import normalise_url, open_store

    run = f"moto-{n_workers}w-{int(time.time())}"
    config = write_config(folder / f"auditor-{n_workers}.yaml", endpoint, redis_url, iac=False)
    env = aws_env()
    workers = Workers(config, env, folder, concurrency=1)
    runs = RunStore(open_store(normalise_url(store_url)))
    peaks: dict[int, float] = {}
    try:
        for i in range(n_workers):
            workers.start(f"w{n_workers}-{i}")
        time.sleep(5)  # workers up before the clock starts
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "auditor", "scan", "--config", str(config), "--distributed", "--detach",
                        "--run", run, "--store", store_url, "--quiet"], env=env, check=True, capture_output=True,
                       timeout=300)
        while True:
            states = runs.states(run)
            for proc in workers.procs.values():
                peaks[proc.pid] = max(peaks.get(proc.pid, 0.0), _peak_rss_mib(proc.pid))
            if states and sum(1 for s in states if s.state in FINAL) >= len(states):
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - start
        load = os.getloadavg()
        failed = sum(1 for s in states if s.state != "done")
        findings = len(runs.findings_of(run))
    finally:
        workers.stop_all()
        runs.store.close()
    return {
        "mode": "moto", "workers": n_workers, "accounts": len(states), "seconds": round(elapsed, 1),
        "accounts_per_minute": round(len(states) / elapsed * 60, 1),
        "peak_rss_mib_per_worker": sorted(peaks.values()), "failed_targets": failed, "findings_stored": findings,
        "load_average_1_5_15": [round(x, 1) for x in load],
    }


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--calls", type=int, default=20, help="API round trips per account")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per round trip")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--moto", type=int, metavar="ACCOUNTS",
                        help="instead of simulated accounts: an organization of this many accounts in moto's server")
    args = parser.parse_args()
    import pg

    redis_dir = tempfile.mkdtemp(prefix="auditor-bench-redis-")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    redis = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", redis_dir,
                              "--appendonly", "yes", "--save", ""], stdout=subprocess.DEVNULL)
    rows = []
    try:
        time.sleep(1)
        with pg.cluster() as store_url, contextlib.ExitStack() as stack:
            redis_url = f"redis://127.0.0.1:{port}/0"
            if args.moto:
                from org_parts import moto_organization

                endpoint, _members = stack.enter_context(moto_organization(args.moto))
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="auditor-bench-moto-")))
            for n in [int(w) for w in args.workers.split(",")]:
                if args.moto:
                    row = run_moto(n, args.moto, endpoint, redis_url, store_url, folder)
                else:
                    row = run_once(n, args.accounts, args.calls, args.latency, redis_url, store_url)
                print(json.dumps(row), flush=True)
                rows.append(row)
            import sqlalchemy

            from auditor.store import normalise_url

            engine = sqlalchemy.create_engine(normalise_url(store_url))
            with engine.connect() as conn:
                size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
            engine.dispose()
    finally:
        redis.terminate()
        redis.wait(timeout=30)
        shutil.rmtree(redis_dir, ignore_errors=True)
    base = rows[0]["accounts_per_minute"]
    for row in rows:
        row["scaling_vs_first"] = round(row["accounts_per_minute"] / base, 2)
    summary = {"runs": rows, "store_bytes_after_all_runs": size}
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
