"""The package as pip installs it: a built wheel serves the app; optional drivers come as extras."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from fieldcrm import create_app, paths
from fieldcrm.db import make_engine
from fieldcrm.extras import MissingDriver
from fieldcrm.migrate import upgrade
from tests import installed
from tests.conftest import app_config

ROOT = Path(__file__).resolve().parents[1]


def test_the_tree_serves_its_top_level_folders():
    # The repository and an editable install read templates/, static/ and migrations/ in place.
    for name in ("templates", "static", "migrations"):
        assert paths.shipped(name) == ROOT / name


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="uses no database of the suite: it runs once, in the SQLite run")
def test_a_wheel_installed_in_a_fresh_venv_migrates_and_serves_login_with_its_stylesheet(tmp_path):
    run = installed.check(tmp_path)
    assert "site-packages" in run.package_dir.parts, run.package_dir  # not this tree
    # Runtime files under the instance folder: the database, and huey's queue (made at the first request).
    assert {"fieldcrm.sqlite3", "jobs.sqlite3"} <= set(run.instance_files)
    assert not list(run.package_dir.rglob("*.sqlite3"))  # none written inside the package
    assert run.login.status == 200, run.login.body[-2000:]
    assert run.stylesheet_url and run.stylesheet_url.startswith("/static/")
    assert run.stylesheet.status == 200
    assert run.stylesheet.content_type.startswith("text/css")
    assert run.problems() == []


def _without(monkeypatch, module: str) -> None:
    """Import of `module` (and its submodules) fails, as when the extra is not installed."""
    for name in [n for n in sys.modules if n == module or n.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)


def test_postgresql_without_psycopg_stops_with_one_line_naming_the_extra(monkeypatch):
    _without(monkeypatch, "psycopg")
    with pytest.raises(MissingDriver) as refused:
        make_engine("postgresql://postgres@127.0.0.1:5432/fieldcrm")
    message = str(refused.value)
    assert "\n" not in message
    assert "DATABASE_URL" in message and 'pip install "fieldcrm[postgres]"' in message


def test_the_app_does_not_start_on_postgresql_without_psycopg(monkeypatch, tmp_path):
    _without(monkeypatch, "psycopg")
    monkeypatch.setenv("FIELDCRM_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(MissingDriver, match=r"fieldcrm\[postgres\]"):
        create_app(app_config("postgres://postgres@127.0.0.1:5432/fieldcrm"))


def test_the_app_does_not_start_with_redis_url_without_redis(monkeypatch, tmp_path, database_url):
    _without(monkeypatch, "redis")
    monkeypatch.setenv("FIELDCRM_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(MissingDriver) as refused:
        create_app(app_config(database_url, REDIS_URL="redis://127.0.0.1:6379/10"))
    message = str(refused.value)
    assert "\n" not in message
    assert "REDIS_URL" in message and 'pip install "fieldcrm[redis]"' in message


def test_sqlite_without_redis_url_needs_neither_extra(monkeypatch, tmp_path):
    _without(monkeypatch, "psycopg")
    _without(monkeypatch, "redis")
    monkeypatch.setenv("FIELDCRM_INSTANCE_PATH", str(tmp_path / "instance"))
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(app_config(url, REDIS_URL=""))
    try:
        assert app.test_client().get("/login").status_code == 200
    finally:
        app.extensions["fieldcrm.engine"].dispose()
