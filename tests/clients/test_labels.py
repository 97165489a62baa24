"""Stored values in the user's words, for every screen or file that shows them back (the import
preview, exports): a status by its name, numbers with the locale's separators, amounts in euros."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import render_template_string

from fieldcrm.clients.labels import display_value, status_label

NNBSP, NBSP = "\u202f", "\xa0"


@pytest.mark.parametrize("key, value, french, english", [
    ("status", "former_client", "Ancien client", "Former client"),
    ("status", "lead", "Piste", "Lead"),
    ("amount", Decimal("4652.19"), f"4{NNBSP}652,19{NBSP}€", "€4,652.19"),
    ("quantity", Decimal("1250.5"), f"1{NNBSP}250,5", "1,250.5"),
    ("purchased_on", date(2026, 3, 9), "9 mars 2026", "Mar 9, 2026"),
    ("tags", ["bio", "vip"], "bio, vip", "bio, vip"),
    ("phone", "+33478000001", "04 78 00 00 01", "04 78 00 00 01"),
    ("gender", "female", "Femme", "Female"),
    ("do_not_contact", True, "Oui", "Yes"),
])
def test_a_value_as_the_user_reads_it(app, key, value, french, english):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert display_value(key, value) == french
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert display_value(key, value) == english


def test_templates_have_the_same_words(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert status_label("prospect") == "Prospect" and status_label(None) == ""
        html = render_template_string("{{ 'former_client'|status_label }} / {{ v|display_value('amount') }}",
                                      v=Decimal("4652.19"))
        assert html == f"Ancien client / 4{NNBSP}652,19{NBSP}€"
