"""The sensitive-words check (pure)."""

from fieldcrm.visits.sensitive import find_sensitive_terms, load_terms


def test_health_beliefs_and_insults_in_french_and_english():
    terms = load_terms()
    assert find_sensitive_terms("Mme Durand est enceinte, son mari est hospitalisé", terms) == [
        "enceinte", "hospitalise"]
    assert find_sensitive_terms("He is sick and a moron", terms) == ["sick", "moron"]
    assert find_sensitive_terms("Délégué SYNDICAL, très religieux", terms) == []  # no such terms
    assert find_sensitive_terms("Syndiqué à la CGT", terms) == ["syndique"]
    assert find_sensitive_terms("burn-out depuis mars", terms) == ["burn-out"]


def test_ordinary_notes_do_not_warn():
    terms = load_terms()
    for note in ("Commande de 12 cartons, livraison jeudi", "Concurrent passé la semaine dernière",
                 "Conseil: rappeler en janvier", "Idéal pour la gamme bio", "Second order next month"):
        assert find_sensitive_terms(note, terms) == [], note


def test_the_list_is_configurable(tmp_path):
    custom = tmp_path / "terms.txt"
    custom.write_text("# ours\nretard de paiement\nfauch*\n", encoding="utf-8")
    terms = load_terms(str(custom))
    assert find_sensitive_terms("Toujours en retard  de paiement, il est fauché", terms) == [
        "retard  de paiement", "fauche"]
