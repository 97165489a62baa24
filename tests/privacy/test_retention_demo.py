"""The retention dry run on the demo data: today nothing is due (the demo's cards are new), three years
and a day later, with no contact meanwhile, every prospect and every client is. Prints both runs."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from fieldcrm import timeutil
from fieldcrm.clients.models import Client
from fieldcrm.demo import load_demo
from fieldcrm.privacy import retention
from fieldcrm.privacy.retention_rules import CLIENT_STATUSES, PROSPECT_STATUSES, RULES


def test_the_dry_run_on_the_demo_data(app, db, monkeypatch, capsys):
    with app.test_request_context():
        load_demo(db, clients_per_rep=40)
    start = timeutil.now()
    counts = {}
    for label, moment in (("today", start), ("in 3 years and a day", start + timedelta(days=3 * 365 + 1))):
        monkeypatch.setattr(timeutil, "now", lambda m=moment: m)
        with app.test_request_context():
            counts[label] = {key: retention.dry_run(db, key) for key in RULES}
        with capsys.disabled():
            print(f"\n--- retention dry run on the demo data, {label} ---")
            for key, run in counts[label].items():
                print(f"{key:15} {run.count:5}  e.g. {'; '.join(run.sample[:3])}")
    prospects = db.exec(select(func.count()).select_from(Client).where(Client.status.in_(PROSPECT_STATUSES))).one()
    customers = db.exec(select(func.count()).select_from(Client).where(Client.status.in_(CLIENT_STATUSES))).one()
    assert prospects and customers
    assert counts["today"]["prospects"].count == counts["today"]["former_clients"].count == 0
    assert counts["in 3 years and a day"]["prospects"].count == prospects
    assert counts["in 3 years and a day"]["former_clients"].count == customers
    assert counts["in 3 years and a day"]["auth_log"].count >= counts["today"]["auth_log"].count
