"""The register of processing: prefilled from the CNIL template, in French and English, editable, its
retention section following the retention rules, printable."""

from __future__ import annotations

from fieldcrm.privacy import retention
from tests.factories import logged_in_http, make_user


def test_the_register_is_prefilled_in_french_and_english(app, db):
    admin = make_user(db, "admin", locale="fr")
    http = logged_in_http(app, admin)
    french = http.get("/admin/register").get_data(as_text=True)  # the admin's language first
    for text in ("Finalités du traitement", "Base légale", "Catégories de personnes concernées",
                 "Destinataires", "Aucun transfert hors de l’Union européenne", "Mesures de sécurité",
                 "Durées de conservation", "Prospects sans contact\u00a0: 1095 jours, puis effacés"):
        assert text in french, text
    english = http.get("/admin/register", query_string={"lang": "en"}).get_data(as_text=True)
    for text in ("Purposes of the processing", "No transfer outside the European Union",
                 "Former clients: 1095 days, then anonymised (reviewed before it is applied).",
                 "Optional data collected", "none (birth date and gender are not collected)"):
        assert text in english, text
    assert 'data-print' in english and "js/print.js" in english and " style=" not in english


def test_the_register_follows_the_retention_settings(app, db):
    admin = make_user(db, "admin")
    with app.test_request_context():
        retention.save_settings(db, admin, "prospects", days=730, enabled=True, auto_apply=True, action="anonymise")
    page = logged_in_http(app, admin).get("/admin/register", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Prospects without contact: 730 days, then anonymised (applied automatically)." in page


def test_an_admin_edits_one_language_and_the_other_stays(app, db):
    admin = make_user(db, "admin")
    http = logged_in_http(app, admin)
    form = http.get("/admin/register/edit", query_string={"lang": "en"}).get_data(as_text=True)
    assert "[Name of the organisation" in form
    answer = http.post("/admin/register/edit?lang=en", data={"controller": "Vins Castagné SAS, 13002 Marseille",
                                                             "purposes": "Wine sales to restaurants."})
    assert answer.status_code == 303
    english = http.get("/admin/register?lang=en").get_data(as_text=True)
    assert "Vins Castagné SAS, 13002 Marseille" in english and "Wine sales to restaurants." in english
    assert "Legal basis" in english and "legitimate interest" in english  # an emptied section: the template's
    french = http.get("/admin/register?lang=fr").get_data(as_text=True)
    assert "Vins Castagné" not in french and "[Nom de l’organisation" in french


def test_too_long_a_section_is_refused_with_the_typing_kept(app, db):
    admin = make_user(db, "admin")
    http = logged_in_http(app, admin)
    answer = http.post("/admin/register/edit?lang=fr", data={"controller": "Ma société", "security": "x" * 5001})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "longer than 5000 characters" in body and "Ma société" in body
    assert "Ma société" not in http.get("/admin/register?lang=fr").get_data(as_text=True)


def test_the_page_prints_as_a_document():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()
    print_rules = css.split("@media print", 1)[1]
    assert ".bottom-nav" in print_rules and ".no-print" in print_rules and "display: none" in print_rules
