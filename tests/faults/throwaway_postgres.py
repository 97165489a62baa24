"""A PostgreSQL cluster of the test's own, to stop and start at will (never the shared server)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.served import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> bool:
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


def _as_postgres(command: list) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` OS user then."""
    command = [str(part) for part in command]
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list, timeout: float = 60) -> None:
    done = subprocess.run(_as_postgres(command), capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise AssertionError(f"{command[0]} failed:\n{done.stdout}\n{done.stderr}")


@dataclass
class Cluster:
    base: Path
    port: int

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
        _run([PG_BIN / "pg_ctl", "-D", self.data, "-l", self.base / "server.log", "-o", options,
              "-w", "-t", "30", "start"])

    def stop(self, mode: str = "fast") -> None:
        _run([PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop"])

    def running(self) -> bool:
        status = subprocess.run(_as_postgres([PG_BIN / "pg_ctl", "-D", self.data, "status"]),
                                capture_output=True, timeout=30)
        return status.returncode == 0


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """initdb into a fresh folder, start on a free port of 127.0.0.1; always stopped and removed."""
    # Not pytest's tmp_path: it is private to the user running the tests, and the server runs as
    # `postgres`, which must reach its data folder and socket.
    base = Path(tempfile.mkdtemp(prefix="fieldcrm-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    cluster = Cluster(base, free_port())
    try:
        _run([PG_BIN / "initdb", "-D", cluster.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C", "--no-sync"])
        cluster.start()
        yield cluster
    finally:
        if cluster.data.exists() and cluster.running():
            cluster.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)
