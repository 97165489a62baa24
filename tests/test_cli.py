"""The `fieldcrm` command on a machine that is not configured yet (no SECRET_KEY, no demo, no debug)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.served import ROOT


def run_fieldcrm(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key != "SECRET_KEY" and not key.startswith(("FIELDCRM_", "FLASK_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-c", "from fieldcrm.cli import main; main()", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


def test_help_works_without_a_secret_key(tmp_path):
    result = run_fieldcrm(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: fieldcrm" in result.stdout
    for command in ("migrate", "create-admin", "demo", "geocode", "purge-deleted"):
        assert command in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert run_fieldcrm(tmp_path, "migrate", "--help").returncode == 0


def test_a_command_that_needs_the_app_refuses_in_one_line_without_a_key(tmp_path):
    result = run_fieldcrm(tmp_path, "migrate")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: SECRET_KEY is missing or is the default development key. Set a long random SECRET_KEY in "
        "the environment (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`) before "
        "starting FieldCRM in production."]
