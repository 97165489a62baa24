"""The French catalogue is complete, up to date with the source, and compiled.

No app, no database: these tests only read fieldcrm/translations/ and re-extract the source with Babel.
When one fails, run the commands at the top of fieldcrm/translations/README.md.

Run alone to list what needs work:  .venv/bin/python tests/test_i18n.py
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "fieldcrm" / "translations"
BABEL_CFG = TRANSLATIONS / "babel.cfg"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("fr",)  # catalogues that must be complete; English is the source language
# Same keywords as `pybabel extract -k _l -k lazy_gettext` (Babel's defaults stay on: _ gettext ngettext N_ ...).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# Every %-sequence: a real conversion (%(name)s, %d, %%), or a lone "%" that Jinja's newstyle gettext would
# choke on (templates always run `msgstr % variables`).
_PERCENT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]|%"
)


def placeholders(text: str) -> set[str]:
    return {m.group(0) for m in _PERCENT.finditer(text or "")}


def _forms(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _label(message) -> str:
    where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
    return f"{message.id!r}" + (f" ({where})" if where else "")


def load_po(locale: str) -> Catalog:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def load_mo(locale: str) -> Catalog:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        return read_mo(fh)


def mo_translations(locale: str) -> dict:
    """{(context, msgid): translation (a tuple for plurals)} of the compiled catalogue, read as gettext
    reads it at run time. (Babel's read_mo folds a pgettext message into its context-less twin.)"""
    import gettext

    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        raw = gettext.GNUTranslations(fh)._catalog
    found: dict = {}
    for key, string in raw.items():
        msgid, index = key if isinstance(key, tuple) else (key, None)
        if not msgid:  # the header
            continue
        context, _sep, msgid = msgid.rpartition("\x04")
        if index is None:
            found[(context or None, msgid)] = string
        else:
            forms = found.setdefault((context or None, msgid), {})
            forms[index] = string
    return {key: tuple(v[i] for i in sorted(v)) if isinstance(v, dict) else v for key, v in found.items()}


def fresh_extraction() -> Catalog:
    """Extract from the working tree exactly as the README's `pybabel extract` does, in memory."""
    with open(BABEL_CFG, encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, filename=str(BABEL_CFG))
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _keys(catalog: Catalog) -> dict:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}


# ------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete_and_not_fuzzy(locale):
    problems = []
    catalog = load_po(locale)
    for message in catalog:
        if not message.id:  # header
            continue
        if message.fuzzy:
            problems.append(f"fuzzy (review the translation, then remove the flag): {_label(message)}")
        strings = _forms(message.string)
        if not all(s and s.strip() for s in strings):
            problems.append(f"not translated: {_label(message)}")
            continue
        ids = _forms(message.id)
        if len(ids) == 1:
            expected, got = placeholders(ids[0]), placeholders(strings[0])
            if expected != got:
                problems.append(f"placeholders differ {sorted(expected)} != {sorted(got)}: {_label(message)}")
        else:  # plural: every form uses only the source's placeholders; the plural form uses them all
            allowed = set().union(*(placeholders(i) for i in ids))
            for form in strings:
                if not placeholders(form) <= allowed:
                    problems.append(f"unknown placeholder in {form!r}: {_label(message)}")
            if placeholders(strings[-1]) != placeholders(ids[-1]):
                problems.append(f"plural form lacks placeholders: {_label(message)}")
    assert catalog.locale and str(catalog.locale) == locale
    assert not problems, f"{locale} catalogue has {len(problems)} problem(s):\n" + "\n".join(problems)


def test_catalogues_cover_every_string_in_the_source():
    fresh = _keys(fresh_extraction())
    assert len(fresh) > 100, "extraction found almost nothing: is babel.cfg right?"
    with open(POT, "rb") as fh:
        pot = _keys(read_po(fh))
    stale_pot = sorted(mid for key, msg in fresh.items() if key not in pot for mid in [_label(msg)])
    assert not stale_pot, (
        f"messages.pot is out of date, {len(stale_pot)} new string(s); re-run the README commands:\n"
        + "\n".join(stale_pot)
    )
    for locale in LOCALES:
        catalog = _keys(load_po(locale))
        missing = sorted(_label(msg) for key, msg in fresh.items() if key not in catalog)
        assert not missing, (
            f"{len(missing)} string(s) of the source are missing from the {locale} catalogue "
            "(pybabel update, then translate):\n" + "\n".join(missing)
        )


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_po(locale):
    mo_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), f"{mo_path} is missing: pybabel compile -d fieldcrm/translations -D messages"
    def as_comparable(string):
        return tuple(string) if isinstance(string, list | tuple) else string

    po = {key: as_comparable(m.string) for key, m in _keys(load_po(locale)).items() if not m.fuzzy}
    mo = mo_translations(locale)
    differ = sorted(repr(key[1]) for key in po.keys() | mo.keys() if po.get(key) != mo.get(key))
    assert not differ, (
        f"{locale} messages.mo is not compiled from the current messages.po ({len(differ)} difference(s)); "
        "run: pybabel compile -d fieldcrm/translations -D messages\n" + "\n".join(differ[:50])
    )


def test_translations_load_like_flask_babel_does():
    """The .mo loads with babel.support (what Flask-Babel uses) and gives back every .po translation."""
    from babel.support import Translations

    for locale in LOCALES:
        translations = Translations.load(str(TRANSLATIONS), [locale], "messages")
        assert isinstance(translations, Translations), f"no compiled catalogue for {locale}"
        wrong = [m.id for m in load_po(locale) if m.id and isinstance(m.id, str) and not m.context
                 and translations.gettext(m.id) != m.string]
        assert not wrong, f"{locale}: {len(wrong)} message(s) not served from the .mo: {wrong[:10]}"


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q"]))
