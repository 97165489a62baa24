"""Import of purchases: each row names its client (SIRET, email, phone, or name and postal code, among
the importer's clients) and gives a date and an amount. Re-importing the same file adds nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import scope
from fieldcrm.imports import N_
from fieldcrm.imports.mapping import IGNORE, apply_mapping, normalise_header
from fieldcrm.imports.undo import created_entry, write_journal
from fieldcrm.imports.validation import (
    CellError,
    InvalidValue,
    normalise_email,
    normalise_phone,
    normalise_postal_code,
    normalise_siret,
    parse_date,
    parse_decimal,
)
from fieldcrm.imports.writer import match_keys
from fieldcrm.sales.models import Purchase

CLIENT_NOT_FOUND = N_("No client of yours matches this row (SIRET, email, phone, or name and postal code)")
AMOUNT_REQUIRED = N_("A date and an amount are required")
CLIENT_KEYS = ("siret", "email", "phone", "company_name", "last_name", "postal_code")
PURCHASE_FIELDS = ("purchased_on", "amount", "product", "product_family", "quantity", "reference")
PURCHASE_TARGETS = CLIENT_KEYS + PURCHASE_FIELDS
_ALIASES = {
    "siret": ("siret", "siren", "n siret"), "email": ("e mail", "email", "mail", "courriel"),
    "phone": ("tel", "telephone", "portable", "mobile", "phone"),
    "company_name": ("raison sociale", "societe", "client", "nom client", "entreprise", "company"),
    "last_name": ("nom", "last name", "name"), "postal_code": ("cp", "code postal", "postal code", "zip"),
    "purchased_on": ("date", "date achat", "date d achat", "date de vente", "date facture", "purchase date"),
    "amount": ("montant", "montant ht", "montant ttc", "total", "ca", "chiffre affaires", "prix", "amount"),
    "product": ("produit", "article", "designation", "libelle", "product", "item"),
    "product_family": ("famille", "famille produit", "gamme", "categorie", "family", "product family"),
    "quantity": ("quantite", "qte", "qty", "quantity"),
    "reference": ("reference", "ref", "n facture", "numero facture", "facture", "invoice", "order"),
}
_TABLE = {normalise_header(a): t for t, aliases in _ALIASES.items() for a in aliases}


def guess_purchase_mapping(headers: Sequence[str]) -> dict[int, str]:
    mapping, taken = {}, set()
    for index, header in enumerate(headers):
        target = _TABLE.get(normalise_header(header))
        if target and target not in taken:
            mapping[index] = target
            taken.add(target)
        else:
            mapping[index] = IGNORE
    return mapping


def _client_index(db: Session, actor: User) -> dict[tuple, int]:
    index: dict[tuple, int] = {}
    stmt = scope(select(Client.id, Client.siret, Client.email, Client.phone, Client.mobile,
                        Client.company_name, Client.first_name, Client.last_name, Client.postal_code), actor)
    for row in db.exec(stmt.order_by(Client.id)).all():
        for key in match_keys(row._mapping):
            index.setdefault(key, row.id)
    return index


class PurchaseChecker:
    def __init__(self, db: Session, actor: User, mapping: dict[int, str], today):
        self.mapping, self.today = mapping, today
        self.clients = _client_index(db, actor)

    def check(self, number: int, values: tuple):
        from fieldcrm.imports.services import RowCheck

        raw = {k: v for k, v in apply_mapping(values, self.mapping).items() if v not in (None, "")}
        clean, errors = {}, []
        for target, fn in (("siret", normalise_siret), ("email", normalise_email), ("phone", normalise_phone),
                           ("postal_code", normalise_postal_code)):
            if target in raw:
                try:
                    clean[target] = fn(raw[target])
                except InvalidValue as exc:
                    errors.append(CellError(target, raw[target], exc.args[0]))
        for target in ("company_name", "last_name", "product", "product_family", "reference"):
            if target in raw:
                clean[target] = str(raw[target]).strip()[:200 if target == "product" else 120 if target != "reference" else 80]
        try:
            if "purchased_on" in raw:
                clean["purchased_on"] = parse_date(raw["purchased_on"], self.today)
        except InvalidValue as exc:
            errors.append(CellError("purchased_on", raw["purchased_on"], exc.args[0]))
        for target in ("amount", "quantity"):
            if target in raw:
                try:
                    clean[target] = parse_decimal(raw[target]).quantize(Decimal("0.01" if target == "amount" else "0.001"))
                except InvalidValue as exc:
                    errors.append(CellError(target, raw[target], exc.args[0]))
        if not errors and ("purchased_on" not in clean or "amount" not in clean):
            errors.append(CellError("amount", None, AMOUNT_REQUIRED))
        keys = match_keys(clean)
        client_id = next((self.clients[k] for k in keys if k in self.clients), None)
        if client_id is None and not errors:
            errors.append(CellError("company_name", clean.get("company_name") or clean.get("email"), CLIENT_NOT_FOUND))
        clean["client_id"] = client_id
        return RowCheck(number, values, clean, errors)


class PurchaseWriter:
    """Adds purchases in the caller's transaction, each journaled for undo (imports.undo); one already
    recorded (same client, date, amount, product and reference) is not added again, so a re-imported file
    changes nothing."""

    def __init__(self, db: Session, actor: User, import_id: int | None = None, batch: int = 2000):
        self.db, self.actor, self.batch, self.import_id = db, actor, batch, import_id
        clients = scope(select(Client.id), actor)
        self.seen = {self._key(p) for p in db.exec(select(Purchase).where(Purchase.client_id.in_(clients))).all()}
        self.pending: list[dict] = []
        self.created = self.updated = self.skipped = 0

    @staticmethod
    def _key(p) -> tuple:
        get = p.get if isinstance(p, dict) else lambda k: getattr(p, k)
        return (get("client_id"), get("purchased_on"), Decimal(str(get("amount"))).quantize(Decimal("0.01")),
                get("product") or None, get("reference") or None)

    def upsert(self, clean: dict, kind_given: bool = False) -> None:
        row = {f: clean.get(f) for f in PURCHASE_FIELDS}
        row.update(client_id=clean["client_id"], created_by_id=self.actor.id)
        key = self._key(row)
        if key in self.seen:
            self.updated += 1  # already there: counted as "matched", nothing written
            return
        self.seen.add(key)
        self.pending.append(row)
        self.created += 1
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            from fieldcrm.timeutil import utcnow

            now = utcnow()
            ids = self.db.execute(insert(Purchase).returning(Purchase.id, sort_by_parameter_order=True),
                                  [dict(r, created_at=now) for r in self.pending]).scalars().all()
            if self.import_id is not None:
                write_journal(self.db, [created_entry(self.import_id, "purchase", i) for i in ids])
            self.pending = []

    def finish(self):
        from fieldcrm.imports.writer import WriteResult

        self.flush()
        return WriteResult(self.created, self.updated, self.skipped, [])
