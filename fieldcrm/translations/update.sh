#!/bin/sh
# Re-extract every string, merge it into each catalogue, compile, and check. Run from anywhere.
# New strings arrive untranslated (or fuzzy when close to an old one): translate them in
# fieldcrm/translations/fr/LC_MESSAGES/messages.po, remove the fuzzy flags, then run this again.
set -e
cd "$(dirname "$0")/../.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
"$PYBABEL" extract -F fieldcrm/translations/babel.cfg -k _l -k lazy_gettext \
    --project=FieldCRM --version=0.1.0 --copyright-holder="FieldCRM contributors" \
    -o fieldcrm/translations/messages.pot .
"$PYBABEL" update -i fieldcrm/translations/messages.pot -d fieldcrm/translations -D messages \
    --ignore-obsolete --previous -w 100
"$PYBABEL" compile -d fieldcrm/translations -D messages --statistics
"${PYTEST:-.venv/bin/pytest}" -q tests/test_i18n.py
