"""Analyses over the actor's portfolio (managers: their team; reps: their own), from purchase_stats only.

pareto: clients by revenue, biggest first, with the cumulative share (the 20/80 curve).
rfm: recency / frequency / amount scored 1-3 by terciles, grouped into a few named groups.
dormant: clients without a purchase for N months, or without contact for N days.
quality: share of cards missing phone, email, position or consent; stale cards.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import ChannelConsent, Client
from fieldcrm.clients.queries import scope
from fieldcrm.sales.queries import purchase_stats

CURVE_POINTS = 60


@dataclass
class ParetoResult:
    total: Decimal
    clients: int  # clients with revenue
    top: list  # (id, name, revenue, cumulative share) of the clients making 80% of revenue
    share_for_80: float  # share of clients (0-1) that make 80% of revenue
    curve: list[tuple[float, float]]  # (share of clients, share of revenue), 0-1


def _revenue_rows(db: Session, actor: User):
    stats = purchase_stats()
    stmt = scope(select(Client.id, Client.display_name, stats.c.revenue)
                 .join(stats, stats.c.client_id == Client.id), actor)
    return db.execute(stmt.where(stats.c.revenue > 0).order_by(stats.c.revenue.desc(), Client.id)).all()


def pareto(db: Session, actor: User, threshold: float = 0.8) -> ParetoResult:
    rows = _revenue_rows(db, actor)
    amounts = [Decimal(str(r.revenue)) for r in rows]
    total = sum(amounts, Decimal(0))
    n = len(rows)
    if not n or total <= 0:
        return ParetoResult(Decimal(0), 0, [], 0.0, [(0.0, 0.0), (1.0, 0.0)])
    running, top, cut = Decimal(0), [], None
    curve = [(0.0, 0.0)]
    step = max(1, n // CURVE_POINTS)
    for index, (row, amount) in enumerate(zip(rows, amounts, strict=True), start=1):
        running += amount
        share = float(running / total)
        if cut is None:
            top.append((row.id, row.display_name, amount.quantize(Decimal("0.01")), share))
            if share >= threshold - 1e-9:
                cut = index
        if index % step == 0 or index == n:
            curve.append((index / n, share))
    return ParetoResult(total.quantize(Decimal("0.01")), n, top, (cut or n) / n, curve)


RFM_GROUPS = ("champions", "loyal", "new", "at_risk", "lost", "others")


def _tercile_score(value: float, sorted_values: list[float], higher_is_better: bool = True) -> int:
    """1-3 from the value's mid-rank percentile among all values (ties share a rank)."""
    if len(sorted_values) < 3:
        return 2
    below, upto = bisect_left(sorted_values, value), bisect_right(sorted_values, value)
    percentile = (below + (upto - below) / 2) / len(sorted_values)
    score = 1 if percentile < 1 / 3 else 3 if percentile >= 2 / 3 else 2
    return score if higher_is_better else 4 - score


def rfm(db: Session, actor: User, today: date) -> dict[str, list]:
    """{group: [(id, name, recency_days, frequency, amount, 'RFM')]}"""
    stats = purchase_stats()
    rows = db.execute(scope(select(Client.id, Client.display_name, stats.c.last_purchase_on,
                                   stats.c.purchase_count, stats.c.revenue)
                                   .join(stats, stats.c.client_id == Client.id), actor)).all()
    data = []
    for r in rows:
        last = date.fromisoformat(r.last_purchase_on[:10]) if isinstance(r.last_purchase_on, str) else r.last_purchase_on
        data.append((r.id, r.display_name, (today - last).days, int(r.purchase_count), Decimal(str(r.revenue))))
    recencies = sorted(float(d[2]) for d in data)
    frequencies = sorted(float(d[3]) for d in data)
    amounts = sorted(float(d[4]) for d in data)
    groups: dict[str, list] = {g: [] for g in RFM_GROUPS}
    for cid, name, recency, frequency, amount in data:
        r = _tercile_score(recency, recencies, higher_is_better=False)
        f = _tercile_score(frequency, frequencies)
        m = _tercile_score(float(amount), amounts)
        if r == 3 and f == 3:
            group = "champions"
        elif f == 3 or (f >= 2 and m == 3 and r >= 2):
            group = "loyal" if r >= 2 else "at_risk"
        elif r == 3 and frequency == 1:
            group = "new"
        elif r == 1 and f >= 2:
            group = "at_risk"
        elif r == 1:
            group = "lost"
        else:
            group = "others"
        groups[group].append((cid, name, recency, frequency, amount.quantize(Decimal("0.01")), f"{r}{f}{m}"))
    for items in groups.values():
        items.sort(key=lambda item: -item[4])
    return groups


def dormant(db: Session, actor: User, today: date, months: int = 6, days: int = 90, limit: int = 200):
    """(no purchase for `months` among buyers, no contact for `days`), each a list of clients."""
    stats = purchase_stats()
    cutoff = today - timedelta(days=round(months * 30.44))
    no_purchase = db.execute(scope(select(Client, stats.c.last_purchase_on)
                                   .join(stats, stats.c.client_id == Client.id), actor)
                             .where(stats.c.last_purchase_on < cutoff)
                             .order_by(stats.c.last_purchase_on, Client.id).limit(limit)).all()
    no_contact = []
    if hasattr(Client, "last_contact_at"):
        since = datetime.combine(today - timedelta(days=days), time.min, tzinfo=UTC)
        no_contact = list(db.exec(scope(select(Client), actor)
                                  .where(or_(Client.last_contact_at.is_(None), Client.last_contact_at < since))
                                  .order_by(Client.last_contact_at.is_not(None), Client.last_contact_at, Client.id)
                                  .limit(limit)).all())
    return no_purchase, no_contact


def quality(db: Session, actor: User, today: date) -> dict:
    """Counts over the actor's cards: total and each gap."""
    consented = exists(select(ChannelConsent.id).where(ChannelConsent.client_id == Client.id,
                                                       ChannelConsent.consent == "granted"))
    stale = datetime.combine(today - timedelta(days=365), time.min, tzinfo=UTC)

    def count(*conditions) -> int:
        stmt = scope(select(func.count(Client.id)), actor)
        return db.exec(stmt.where(*conditions)).one()

    total = count()
    return {
        "total": total,
        "no_phone": count(Client.phone.is_(None), Client.mobile.is_(None)),
        "no_email": count(Client.email.is_(None)),
        "no_position": count(Client.latitude.is_(None)),
        "no_consent": count(~consented),
        "stale": count(Client.updated_at < stale),
    }


def share(part: int, total: int) -> float:
    return part / total if total else 0.0


__all__ = ["and_", "pareto", "rfm", "dormant", "quality", "share"]
