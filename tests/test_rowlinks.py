"""Row links built once per page give the very URLs url_for gives."""

from __future__ import annotations

from flask import url_for

from fieldcrm.web.rowlinks import list_url


def test_list_url_is_url_for_for_every_row(app):
    with app.test_request_context("/"):
        for client_id in (1, 42, 900000001, 123456789012):
            assert list_url("clients.detail", client_id=client_id) == url_for("clients.detail", client_id=client_id)
            assert list_url("visits.log", client_id=client_id, next="/clients?page=900000001") == \
                url_for("visits.log", client_id=client_id, next="/clients?page=900000001")  # placeholder elsewhere
            for stop_id in (7, 8):  # two ids in one URL, in either order of the arguments
                assert list_url("tours.stop_move", tour_id=client_id, stop_id=stop_id) == \
                    url_for("tours.stop_move", tour_id=client_id, stop_id=stop_id)
                assert list_url("visits.log", followup_id=stop_id, client_id=client_id, kind="phone", next="/") == \
                    url_for("visits.log", followup_id=stop_id, client_id=client_id, kind="phone", next="/")
        assert list_url("clients.index", page=2) == url_for("clients.index", page=2)  # no id: url_for
