"""A private PostgreSQL server for tests and benchmarks: its own data folder under /tmp, loopback only, stopped after.

Debian's server binaries (``apt-get install postgresql``; ``.ci/postgres.sh`` installs them when missing) run from
``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as root, and this machine runs everything as root:
then the server runs as the ``postgres`` system user (through ``runuser``), in a folder it owns.

    python -m tests.pgserver run -- COMMAND...    # start, create database "qsort", run COMMAND with
                                                  # QSORT_DATABASE_URL=postgresql+psycopg://..., stop;
                                                  # exits with COMMAND's exit code

``fast=True`` (the test suite) turns off fsync and synchronous commit: a crash of the machine may lose the test
database, which is thrown away anyway. Benchmarks use ``fast=False``: PostgreSQL as installed, durable commits.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_PORT = 54329
USER = "qsort"


def server_bin_dir() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian keeps each major version beside the others)."""
    override = os.environ.get("QSORT_PG_BIN")
    if override:
        return Path(override)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL's server is not installed: apt-get install postgresql "
                           "(or run .ci/postgres.sh, which does)")
    return found[-1].parent


class PostgresServer:
    """``with PostgresServer(port) as server: server.url("qsort")``; ``stop()``/``start()`` restart it in between."""

    def __init__(self, port: int = DEFAULT_PORT, fast: bool = True, folder: str | Path | None = None):
        self.port = port
        self.fast = fast
        self.bin = server_bin_dir()
        self.folder = Path(folder or tempfile.mkdtemp(prefix="qsort-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.as_postgres = os.geteuid() == 0

    # -- running commands as the server's owner ------------------------------------------------------------------
    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin / program), *args]
        return ["runuser", "-u", "postgres", "--", *command] if self.as_postgres else command

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(self._command(program, *args), capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                               f"{result.stdout}{result.stderr}{log}")

    # -- the cluster -----------------------------------------------------------------------------------------------
    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "--encoding=UTF8", "--no-locale",
                  "--no-sync")

    def start(self) -> None:
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.folder}",
                   "-c max_connections=200"]
        if self.fast:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", " ".join(options), "-w", "-t", "60",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast``: disconnect everyone, roll back what is open, shut down cleanly; ``immediate``: like a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name)

    def url(self, database: str = "qsort") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        self.init()
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            self.remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run COMMAND against a private PostgreSQL server on loopback.",
                                     usage="python -m tests.pgserver run [--port N] [--durable] -- COMMAND...")
    parser.add_argument("action", choices=["run"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--durable", action="store_true", help="keep fsync and synchronous commit (benchmarks)")
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    args, command = parser.parse_args(argv[:split]), argv[split + 1:]
    if not command:
        parser.error("give the command to run after --")
    with PostgresServer(args.port, fast=not args.durable) as server:
        server.create_database("qsort")
        url = server.url("qsort")
        print(f"PostgreSQL {server.bin.parent.name} on 127.0.0.1:{args.port}: QSORT_DATABASE_URL={url}", flush=True)
        return subprocess.call(command, env={**os.environ, "QSORT_DATABASE_URL": url})


if __name__ == "__main__":
    sys.exit(main())
