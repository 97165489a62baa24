"""Static files are named by their content: a release never serves last week's JavaScript, and a file
asked for by its current name is cached for good."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fieldcrm.web.templating import IMMUTABLE, asset, content_hashes


def test_asset_urls_carry_the_hash_of_the_files_content(app):
    app_js = Path(app.static_folder, "js", "app.js").read_bytes()
    with app.test_request_context():
        url = asset("js/app.js")
    assert url == f"/static/js/app.js?v={hashlib.sha256(app_js).hexdigest()[:12]}"


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("one")
    before = content_hashes(tmp_path)
    (tmp_path / "js" / "a.js").write_text("two")
    assert content_hashes(tmp_path)["js/a.js"] != before["js/a.js"]


def test_the_current_name_is_immutable_and_any_other_is_checked_again(app, client):
    with app.test_request_context():
        url = asset("css/app.css")
    assert client.get(url).headers["Cache-Control"] == IMMUTABLE
    assert client.get("/static/css/app.css?v=1").headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/app.css").headers["Cache-Control"] == "no-cache"


def test_pages_and_the_service_worker_name_the_current_files(app, client):
    with app.test_request_context():
        url = asset("js/offline.js")
    assert url in client.get("/login").get_data(as_text=True)
    worker = client.get("/sw.js")
    assert worker.headers["Cache-Control"] == "no-cache"
    assert url in worker.get_data(as_text=True)
