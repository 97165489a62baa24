"""FieldCRM installed from its wheel (not editable), the way a deployment installs it.

Builds the wheel from this tree, installs it with constraints.txt into a fresh virtualenv, runs
`fieldcrm migrate` on a fresh SQLite file in a temporary instance folder, serves the app with that
venv's gunicorn on 127.0.0.1 and fetches /login and its stylesheet. Used by tests/test_packaging.py,
which CI's SQLite run (`.ci/run`) includes; run alone, it names what is broken and exits 1. Standard
library only.

    python tests/installed.py [work_dir]
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_STYLESHEET = re.compile(r'<link\b[^>]*\brel="stylesheet"[^>]*>')
_HREF = re.compile(r'\bhref="([^"]+)"')
# Settings of the caller that must not reach the installed app: it would import this tree (PYTHONPATH)
# or use the caller's database, queue or instance folder.
_INHERITED = ("PYTHONPATH", "VIRTUAL_ENV", "DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL")


@dataclass
class Answer:
    status: int
    content_type: str
    body: str


@dataclass
class InstalledRun:
    """What a deployment of the wheel shows: where fieldcrm was imported from, what it serves."""

    package_dir: Path
    instance_files: list[str]
    login: Answer
    stylesheet_url: str | None
    stylesheet: Answer | None
    log: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Everything a user of the installed app would see wrong; empty when it serves."""
        found = []
        if "site-packages" not in self.package_dir.parts:
            found.append(f"fieldcrm was imported from {self.package_dir}, not from the installed wheel")
        for runtime_file in ("fieldcrm.sqlite3", "jobs.sqlite3"):  # the database, huey's queue
            if runtime_file not in self.instance_files:
                found.append(f"no {runtime_file} in the instance folder (it holds {self.instance_files})")
        if self.login.status != 200:
            found.append(f"/login answered {self.login.status}")
        if self.stylesheet_url is None:
            found.append("/login has no <link rel=\"stylesheet\">")
        elif self.stylesheet is None or self.stylesheet.status != 200:
            found.append(f"the stylesheet {self.stylesheet_url} answered {self.stylesheet and self.stylesheet.status}")
        elif not self.stylesheet.content_type.startswith("text/css"):
            found.append(f"the stylesheet came as {self.stylesheet.content_type}, not text/css")
        return found


def _run(command: list, log: list[str], **kwargs) -> str:
    log.append("+ " + " ".join(map(str, command)))
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def build_wheel(out_dir: Path, log: list[str]) -> Path:
    """The wheel of this tree, built as `pip wheel` builds it (setup.py's build hook included)."""
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out_dir), str(ROOT)], log)
    return next(out_dir.glob("fieldcrm-*.whl"))


def install_in_fresh_venv(wheel: Path, venv: Path, log: list[str]) -> Path:
    """A new virtualenv with the wheel (non-editable) and its pinned dependencies; returns its bin/."""
    _run([sys.executable, "-m", "venv", str(venv)], log, env=_clean_env())
    bin_dir = venv / "bin"
    _run([bin_dir / "pip", "install", "-q", "-c", ROOT / "constraints.txt", wheel], log, env=_clean_env())
    return bin_dir


def _clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED and not k.startswith("FIELDCRM_")}
    return {**env, **extra}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> Answer:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return Answer(reply.status, reply.headers.get("Content-Type", ""), reply.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers.get("Content-Type", ""), error.read().decode(errors="replace"))


def _wait_for(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{server.stdout.read()}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer at {url} within {seconds} s")


def serve_and_fetch(bin_dir: Path, work_dir: Path, log: list[str]) -> InstalledRun:
    """Migrate a fresh SQLite database in a new instance folder, serve it, fetch /login and its CSS.
    Everything runs from `work_dir`, away from this tree, so nothing can be found through the cwd."""
    instance = work_dir / "instance"
    env = _clean_env(FIELDCRM_INSTANCE_PATH=str(instance), SECRET_KEY="installed-check-" + "k" * 40)
    _run([bin_dir / "fieldcrm", "migrate"], log, env=env, cwd=work_dir)
    package_dir = Path(_run([bin_dir / "python", "-c", "import fieldcrm; print(fieldcrm.__file__)"],
                            log, env=env, cwd=work_dir).strip()).parent
    url = f"http://127.0.0.1:{_free_port()}"
    command = [bin_dir / "gunicorn", "fieldcrm:create_app()", "--bind", url.removeprefix("http://"),
               "--workers", "1"]
    log.append("+ " + " ".join(map(str, command)))
    server = subprocess.Popen(command, env=env, cwd=work_dir, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(url + "/login", server)
        login = _get(url + "/login")
        link = _STYLESHEET.search(login.body)
        href = _HREF.search(link.group(0)).group(1).replace("&amp;", "&") if link else None
        stylesheet = _get(url + href if href.startswith("/") else href) if href else None
    finally:
        server.terminate()
        server.wait(timeout=15)
    return InstalledRun(package_dir, sorted(p.name for p in instance.iterdir()), login, href, stylesheet, log)


def check(work_dir: Path) -> InstalledRun:
    """The whole journey: build, install, migrate, serve, fetch."""
    log: list[str] = []
    wheel = build_wheel(work_dir / "dist", log)
    bin_dir = install_in_fresh_venv(wheel, work_dir / "venv", log)
    return serve_and_fetch(bin_dir, work_dir, log)


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fieldcrm-installed-") as tmp:
        work_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp)
        run = check(work_dir)
    print("\n".join(run.log))
    problems = run.problems()
    for problem in problems:
        print(f"INSTALLED WHEEL BROKEN: {problem}", file=sys.stderr)
    if not problems:
        print(f"installed wheel serves /login and {run.stylesheet_url} "
              f"({time.monotonic() - started:.0f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
