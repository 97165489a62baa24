"""Client lists as CSV for French Excel (UTF-8 with BOM, ";", decimal comma) and XLSX, and vCards.

Every text cell goes through web.spreadsheet.spreadsheet_safe (formula injection), notes included. Columns follow what the role may
see: fields the organisation chose not to collect are never exported, the sales rep column only to
managers and admins. People on the opposition list are flagged in their own column.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients import objections
from fieldcrm.clients.labels import display_value
from fieldcrm.clients.models import Client
from fieldcrm.clients.normalise import format_phone
from fieldcrm.clients.settings import org_settings
from fieldcrm.sales.queries import purchase_stats
from fieldcrm.web.spreadsheet import spreadsheet_safe

BASE_COLUMNS = (
    ("company_name", _l("Company name")), ("siret", _l("SIRET")), ("civility", _l("Civility")),
    ("last_name", _l("Last name")), ("first_name", _l("First name")), ("status", _l("Status")),
    ("sector", _l("Sector")), ("segment", _l("Segment")), ("street", _l("Street")),
    ("street2", _l("Address line 2")), ("postal_code", _l("Postal code")), ("city", _l("City")),
    ("country", _l("Country")), ("phone", _l("Phone")), ("mobile", _l("Mobile")), ("email", _l("Email")),
    ("website", _l("Website")), ("loyalty_programme", _l("Loyalty programme")),
    ("client_since", _l("Client since")), ("notes", _l("Notes")),
)
STAT_COLUMNS = (("revenue", _l("Total revenue")), ("purchase_count", _l("Number of purchases")),
                ("average_basket", _l("Average basket")), ("last_purchase_on", _l("Last purchase")))


def columns_for(db: Session, actor: User) -> list[tuple[str, object]]:
    columns = list(BASE_COLUMNS)
    settings = org_settings(db)
    if settings.collect_birth_date:
        columns.append(("birth_date", _l("Birth date")))
    if settings.collect_gender:
        columns.append(("gender", _l("Gender")))
    if actor.role in ("manager", "admin"):
        columns.append(("owner", _l("Sales rep")))
    return columns + list(STAT_COLUMNS) + [("objected", _l("Objected (do not contact)"))]


def rows(db: Session, actor: User, client_stmt, columns) -> list[list]:
    """`client_stmt`: a scoped select over Client (from a list or a segment). One list per client."""
    stats = purchase_stats()
    ids = client_stmt.with_only_columns(Client.id).subquery()
    stmt = (select(Client, stats.c.revenue, stats.c.purchase_count, stats.c.average_basket,
                   stats.c.last_purchase_on, User.name)
            .where(Client.id.in_(select(ids.c.id)))
            .outerjoin(stats, stats.c.client_id == Client.id)
            .outerjoin(User, User.id == Client.owner_id)
            .order_by(Client.sort_name, Client.id))
    out = []
    found = db.exec(stmt).all()
    objecting = objections.objecting_ids(db, [row[0] for row in found])
    for client, revenue, count, average, last, owner in found:
        extra = {"revenue": Decimal(str(revenue or 0)).quantize(Decimal("0.01")), "purchase_count": count or 0,
                 "average_basket": None if average is None else Decimal(str(average)).quantize(Decimal("0.01")),
                 "last_purchase_on": date.fromisoformat(last[:10]) if isinstance(last, str) else last,
                 "owner": owner, "objected": str(_l("yes")) if client.id in objecting else ""}
        row = []
        for key, _label in columns:
            value = extra[key] if key in extra else getattr(client, key)
            if key in ("phone", "mobile") and value:
                value = format_phone(value)
            elif key in ("status", "gender", "civility"):
                value = display_value(key, value)  # "Ancien client", never "former_client"
            row.append(value)
        out.append(row)
    return out


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        return format(value, "f").replace(".", ",")
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return spreadsheet_safe(str(value))


def to_csv(headers: list[str], data: list[list]) -> bytes:
    """UTF-8 with BOM and ";" — what French Excel opens cleanly with a double click."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(str(h)) for h in headers])
    for row in data:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(headers: list[str], data: list[list]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Clients")
    ws.append([spreadsheet_safe(str(h)) for h in headers])
    for row in data:
        ws.append([float(v) if isinstance(v, Decimal) else spreadsheet_safe(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _vcard_escape(text: str | None) -> str:
    return (text or "").replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def vcard(client: Client, contacts=()) -> str:
    """A vCard 3.0 to add the client to the phone's address book."""
    lines = ["BEGIN:VCARD", "VERSION:3.0"]
    if client.kind == "person" or not client.company_name:
        lines.append(f"N:{_vcard_escape(client.last_name)};{_vcard_escape(client.first_name)};;;")
        lines.append(f"FN:{_vcard_escape(client.display_name)}")
    else:
        person = contacts[0] if contacts else None
        if person is not None:
            lines.append(f"N:{_vcard_escape(person.last_name)};{_vcard_escape(person.first_name)};;;")
            lines.append(f"FN:{_vcard_escape(' '.join(p for p in (person.first_name, person.last_name) if p))}")
        else:
            lines.append(f"N:{_vcard_escape(client.company_name)};;;;")
            lines.append(f"FN:{_vcard_escape(client.company_name)}")
        lines.append(f"ORG:{_vcard_escape(client.company_name)}")
    if client.phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{client.phone}")
    if client.mobile:
        lines.append(f"TEL;TYPE=CELL:{client.mobile}")
    if client.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{client.email}")
    if client.street or client.city:
        street = ", ".join(p for p in (client.street, client.street2) if p)
        lines.append(f"ADR;TYPE=WORK:;;{_vcard_escape(street)};{_vcard_escape(client.city)};;"
                     f"{_vcard_escape(client.postal_code)};{_vcard_escape(client.country)}")
    if client.website:
        lines.append(f"URL:{client.website}")
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"
