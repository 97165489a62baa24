"""Stored keys never reach the user: every page a GET answers, walked in French as a rep, a manager
and an admin over a world holding every status, shows words ("Piste", "Ancien client"), never the
keys the database keeps ("lead", "former_client"); the French catalogue keeps French typography."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from fieldcrm.web.typography import french_spaces
from tests.factories import make_client
from tests.test_i18n import TRANSLATIONS
from tests.url_walk import app_rules, rich_world, rule_values, url_of

KEYS = re.compile(r"\b(lead|former_client|estimate|client_id|any|none|female|male|odometer|road|planned|MME)\b")
FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


class VisibleText(HTMLParser):
    """The text a user reads: text nodes outside <script>, <style> and <template>."""

    def __init__(self):
        super().__init__()
        self.hidden, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


@pytest.fixture
def world(access_world):
    return access_world


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


@pytest.fixture
def key_world(app, db, world):  # noqa: F811 - the fixture imported above
    w = rich_world(app, db, world)
    for status, name in (("lead", "Quincaillerie Morel"), ("former_client", "Garage Petit"), ("suspect", "Atelier Roux")):
        make_client(db, w["rep_a"], company_name=name, status=status, city="Lyon", postal_code="69001")
    make_client(db, w["rep_a"], kind="person", company_name=None, civility="MME", first_name="Hélène",
                last_name="Dupré", city="Lyon", postal_code="69001")
    return w


@pytest.mark.parametrize("who", ["rep_a", "manager_a", "admin"])
def test_no_stored_key_on_any_page_in_french(app, key_world, login, who):
    http = app.test_client()
    login(key_world[who], http=http)
    found, walked = [], 0
    for rule in app_rules(app, "GET"):
        url = url_of(rule, rule_values(rule, key_world))
        response = http.get(url, headers=FRENCH)
        if response.status_code != 200:
            continue
        walked += 1
        if response.mimetype == "text/html":
            text = visible_text(response.get_data(as_text=True))
        elif response.mimetype in ("text/csv", "text/plain"):
            text = response.get_data(as_text=True)
        else:
            continue
        found += [f"{url}: {m.group(0)!r} in …{text[max(0, m.start() - 40):m.end() + 40]!r}…"
                  for m in KEYS.finditer(text)]
        disposition = response.headers.get("Content-Disposition", "")
        if "mileage" in disposition:
            found.append(f"{url}: English file name {disposition}")
    assert walked > 50
    assert not found, "stored keys shown to the user:\n" + "\n".join(found)


def test_the_french_catalogue_has_non_breaking_spaces_where_french_puts_them():
    with open(TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalogue = read_po(fh, locale="fr")
    wrong = []
    for message in catalogue:
        for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
            if text and french_spaces(text) != text:
                wrong.append(text)
    assert not wrong, ("a plain space before ? ! : ; », after «, or between a number and its unit "
                       "(fix with `python -m fieldcrm.web.typography <the .po>`):\n" + "\n".join(wrong))


@pytest.mark.parametrize("typed, expected", [
    ("Relance : %(client)s", "Relance\u00a0: %(client)s"),
    ("Supprimer ? Oui !", "Supprimer\u00a0? Oui\u00a0!"),
    ("« Meilleurs clients »", "«\u00a0Meilleurs clients\u00a0»"),
    ("%(km)s km et 12 min, 80 %% du CA, 5 €", "%(km)s\u00a0km et 12\u00a0min, 80\u00a0%% du CA, 5\u00a0€"),
    ("08:30–18:30, https://x.fr, 9h00", "08:30–18:30, https://x.fr, 9h00"),
])
def test_french_spaces(typed, expected):
    assert french_spaces(typed) == expected


def test_no_separator_in_a_template_can_start_a_line():
    """A ' · ' between two things is glued to what it ends (a non-breaking space before it), so a
    narrow screen never starts a line with it; the catalogue's strings are kept so by the test above,
    the templates' own text by this one (a page's <title> never wraps)."""
    tag = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}|<title>.*?</title>", re.S)
    root = Path(__file__).resolve().parent.parent / "templates"
    loose = [f"{path.relative_to(root)}: …{line.strip()[:80]}…"
             for path in sorted(root.rglob("*.html"))
             for line in tag.sub("", path.read_text(encoding="utf-8")).splitlines() if " · " in line]
    assert not loose, "a separator that can start a line (write '&nbsp;· '):\n" + "\n".join(loose)
