"""A throw-away PostgreSQL cluster on 127.0.0.1 (Debian's server binaries, own data directory)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster and yield its SQLAlchemy URL; stop and delete it afterwards.

    PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user."""
    bindir = bin_dir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (scripts/setup.d/20-postgresql.sh installs them)")
    workdir = tempfile.mkdtemp(prefix="auditor-pg-")
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(workdir, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(workdir, "data"), _free_port()
    log = os.path.join(workdir, "server.log")
    run = lambda *args: subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)  # noqa: E731
    try:
        run(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "auditor", "--no-sync")
        run(f"{bindir}/pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "start",
            "-o", f"-h 127.0.0.1 -p {port} -k {workdir} -c fsync=off")
        run(f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "auditor", "history")
        yield f"postgresql://auditor@127.0.0.1:{port}/history"
    finally:
        subprocess.run([*prefix, f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(workdir, ignore_errors=True)
