"""Demo purchases: what each client bought over the last months, so the 20/80 analysis, RFM, the
average basket and the "no purchase for N months" list are not empty on first start.

Revenue is concentrated as in real portfolios: a few large accounts (segment A, larger baskets, more
orders) make most of it. Former clients bought long ago; a few prospects placed a trial order."""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import Session, select

from fieldcrm import timeutil
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.demo.calendar import working_day_on_or_before
from fieldcrm.demo.people import DEMO_DOMAIN, SEGMENTS
from fieldcrm.sales.models import Purchase

# (family, product, unit price in euros excluding VAT)
CATALOGUE = [
    ("Épicerie fine", "Confiture artisanale 370 g", Decimal("3.90")),
    ("Épicerie fine", "Biscuits sablés bio", Decimal("2.60")),
    ("Boissons", "Jus de pomme 1 L", Decimal("2.10")),
    ("Boissons", "Cidre brut 75 cl", Decimal("3.40")),
    ("Hygiène", "Savon de Marseille 300 g", Decimal("2.80")),
    ("Hygiène", "Gel douche 250 ml", Decimal("3.20")),
    ("Emballages", "Sacs kraft (lot de 100)", Decimal("14.50")),
    ("Emballages", "Boîtes pâtissières (lot de 50)", Decimal("21.00")),
    ("Présentoirs", "Présentoir comptoir", Decimal("89.00")),
]
# Orders over the period, by segment (A: large accounts, B: regular, C: occasional).
ORDERS = {SEGMENTS[0]: (10, 24), SEGMENTS[1]: (4, 12), SEGMENTS[2]: (1, 5)}
BASKET_FACTOR = {SEGMENTS[0]: 3.0, SEGMENTS[1]: 1.0, SEGMENTS[2]: 0.6}
RECENT_DAYS = 540


def _order(rng: random.Random, client_id: int, owner_id: int, day: date, basket: float, n: int) -> dict:
    family, product, price = rng.choice(CATALOGUE)
    quantity = max(1, round(rng.lognormvariate(0, 0.4) * basket / float(price)))
    return {"client_id": client_id, "purchased_on": day, "amount": (price * quantity).quantize(Decimal("0.01")),
            "product": product, "product_family": family, "quantity": Decimal(quantity),
            "reference": f"FA-{day.year}-{owner_id:02d}{n:05d}", "created_by_id": owner_id,
            "created_at": timeutil.local_datetime(day, time(18, 0))}


def load_purchases(db: Session, rng: random.Random) -> int:
    """The demo reps' clients' purchases (bulk insert); returns how many."""
    today = timeutil.today()
    rows = db.exec(select(Client.id, Client.owner_id, Client.status, Client.segment)
                   .join(User, User.id == Client.owner_id)
                   .where(User.email.like(f"%@{DEMO_DOMAIN}")).order_by(Client.id)).all()
    purchases, n = [], 0
    for client_id, owner_id, status, segment in rows:
        # Baskets spread as in life: most around a few hundred euros, a few accounts far above.
        basket = rng.lognormvariate(5.3, 0.8) * BASKET_FACTOR.get(segment, 1.0)
        if status == "client":
            orders, oldest, newest = rng.randint(*ORDERS.get(segment, (2, 6))), RECENT_DAYS, 3
        elif status == "former_client":
            orders, oldest, newest = rng.randint(1, 5), 900, 400  # gone quiet: the "dormant" list
        elif status == "prospect" and rng.random() < 0.15:
            orders, oldest, newest, basket = 1, 120, 7, basket * 0.4  # a trial order
        else:
            continue
        for _ in range(orders):
            day = working_day_on_or_before(today - timedelta(days=rng.randint(newest, oldest)))
            n += 1
            purchases.append(_order(rng, client_id, owner_id, day, basket, n))
    if purchases:
        db.execute(insert(Purchase), purchases)
        db.commit()
    return len(purchases)
