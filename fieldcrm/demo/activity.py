"""Each demo rep's recent activity (visits, calls and their notes, follow-ups, appointments) dated
from today on working days, so the Today screen of a demo rep has something to do."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert
from sqlmodel import Session, func, select

from fieldcrm import timeutil
from fieldcrm.accounts.models import User
from fieldcrm.agenda.services import set_cadence_rules
from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.demo.calendar import is_working_day, working_day_on_or_after, working_day_on_or_before
from fieldcrm.demo.people import DEMO_DOMAIN, SEGMENTS
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.visits import services as visits
from fieldcrm.visits.models import Interaction

# --- Activity: what a rep wrote down over the last months, and what is planned around today --------
# (kind, outcome, weight, notes). Short French notes, as typed with a thumb right after the visit.
ACTIVITY = [
    ("visit", "reached", 30, ["Vu le gérant, stock OK", "Présenté la nouvelle gamme, intéressé",
                              "Catalogue 2026 remis", "Dégustation faite, bon retour", "Point sur les tarifs",
                              "Vitrine refaite, PLV posée", None]),
    ("visit", "order_taken", 14, ["Commande de réassort passée", "Commande de 12 cartons",
                                  "Commande de rentrée, livraison jeudi", "Réassort commandé"]),
    ("visit", "not_reached", 6, ["Magasin fermé", "Gérant absent, repasser", "Fermé pour congés"]),
    ("phone", "reached", 16, ["Rappel confirmé pour la livraison", "Devis validé par téléphone",
                              "Questions sur la facture réglées", None]),
    ("phone", "not_reached", 8, ["Messagerie, message laissé", "Pas de réponse", None]),
    ("phone", "call_back", 5, ["Rappeler après les congés", "Rappeler pour le devis"]),
    ("phone", "not_interested", 4, ["Pas intéressé pour le moment", "Travaille avec un concurrent"]),
    ("email", "reached", 6, ["Envoyé le tarif 2026 par mail", "Devis envoyé par mail"]),
    ("sms", "reached", 3, ["Confirmation de passage par SMS"]),
    ("note", "other", 3, ["Client sensible au prix", "Préfère être appelé le matin",
                          "Paie à 30 jours, pas de souci"]),
]
# How many interactions a card has had over the months, by status (none for a suspect).
HISTORY_BY_STATUS = {"client": (3, 8), "prospect": (1, 4), "lead": (0, 2), "former_client": (1, 3)}
HISTORY_DAYS = 180
FOLLOW_UP_REASONS = ["Relancer le devis", "Rappeler pour la commande de Noël", "Envoyer le catalogue",
                     "Confirmer la livraison", "Proposer la gamme bio", "Faire signer le contrat",
                     "Point sur le réassort", "Présenter les nouveautés"]
SHARED_PHRASES = ["Catalogue remis", "Commande à préparer", "Gérant absent", "Devis à envoyer",
                  "Rappeler la semaine prochaine", "Livraison à confirmer"]
# Default visit cadences: the demo's best clients every 3 weeks, clients monthly, prospects every 2 months.
CADENCES = {("segment", SEGMENTS[0]): 21, ("status", "client"): 30, ("status", "prospect"): 60}
APPOINTMENT_HOURS = [time(9, 30), time(11, 0), time(14, 30), time(16, 30)]


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _working_moment(rng: random.Random, day: date) -> datetime:
    """A plausible time for a visit or a call on `day`: office hours, in the user's zone, as UTC."""
    minutes = rng.choice([rng.randint(8 * 60 + 30, 12 * 60), rng.randint(14 * 60, 18 * 60 + 30)])
    return timeutil.local_datetime(day, time(minutes // 60, minutes % 60))


def _past_weekday(rng: random.Random, today: date, most: int, least: int = 1) -> date:
    """A weekday between `least` and `most` days ago, recent days more likely (as in a real diary)."""
    day = today - timedelta(days=least + int((most - least) * rng.random() ** 1.6))
    day = working_day_on_or_before(day)  # reps do not visit on weekends
    return day


def load_activity(db: Session, rng: random.Random, manager: User | None = None) -> None:
    """Each rep's past interactions (with the client's last contact and visit kept exactly as the
    quick log keeps them), open follow-ups (overdue, today, coming), appointments today and this
    week, plus the shared quick phrases and default visit cadences. Bulk inserts: stays fast."""
    today = timeutil.today()
    first_day = working_day_on_or_after(today)  # "today" on a weekend: the plans start on Monday
    weights = [w for _k, _o, w, _n in ACTIVITY]
    interactions, followups, appointments = [], [], []
    reps = db.exec(select(User).where(User.role == "rep", User.email.like(f"%@{DEMO_DOMAIN}"))
                   .order_by(User.id)).all()
    all_ids = []
    for rep in reps:
        rows = db.exec(select(Client.id, Client.status, Client.street, Client.postal_code, Client.city)
                       .where(Client.owner_id == rep.id).order_by(Client.id)).all()
        cards = [(client_id, status) for client_id, status, *_address in rows]
        places = {client_id: f"{street}, {postal_code} {city}" for client_id, _s, street, postal_code, city in rows}
        contacts = dict(db.exec(select(ContactPerson.client_id, func.min(ContactPerson.id))
                                .join(Client, Client.id == ContactPerson.client_id)
                                .where(Client.owner_id == rep.id).group_by(ContactPerson.client_id)).all())
        all_ids += [client_id for client_id, _status in cards]
        for client_id, status in cards:
            low, high = HISTORY_BY_STATUS.get(status, (0, 0))
            oldest = HISTORY_DAYS * (2 if status == "former_client" else 1)
            for _ in range(rng.randint(low, high)):
                kind, outcome, _w, notes = rng.choices(ACTIVITY, weights=weights)[0]
                day = _past_weekday(rng, today, oldest, 90 if status == "former_client" else 1)
                at = _working_moment(rng, day)
                row = {"uid": _uid(rng), "client_id": client_id, "author_id": rep.id, "kind": kind,
                       "outcome": outcome, "occurred_at": at, "note": rng.choice(notes), "created_at": at,
                       "contact_id": contacts.get(client_id) if kind == "visit" and rng.random() < 0.6 else None,
                       "duration_minutes": rng.choice([15, 20, 30, 45, 60]) if kind == "visit" else None}
                interactions.append(row)
                if outcome == "call_back":  # the call-back it asked for, done since
                    due = working_day_on_or_after(day + timedelta(days=rng.randint(2, 10)))
                    if due < today:
                        followups.append(_followup(rep, client_id, due, "Rappeler", status="done",
                                                   closed=timeutil.local_datetime(due, time(10, 0))))
        active = [c for c, status in cards if status in ("client", "prospect", "lead")]
        picked = rng.sample(active, min(len(active), 16))
        # Overdue (1 to 12 days late), due today (two with a time), and the weeks to come.
        for client_id in picked[:4]:
            followups.append(_followup(rep, client_id, working_day_on_or_before(today - timedelta(days=rng.randint(1, 12))),
                                       rng.choice(FOLLOW_UP_REASONS)))
        for n, client_id in enumerate(picked[4:7]):
            followups.append(_followup(rep, client_id, first_day, rng.choice(FOLLOW_UP_REASONS),
                                       at=[time(10, 0), time(17, 0), None][n]))
        for client_id in picked[7:13]:
            followups.append(_followup(rep, client_id, working_day_on_or_after(today + timedelta(days=rng.randint(1, 30))),
                                       rng.choice(FOLLOW_UP_REASONS)))
        if manager is not None and manager.team_id == rep.team_id and len(picked) > 13:
            followups.append(_followup(rep, picked[13], working_day_on_or_after(today + timedelta(days=2)),
                                       "Point stock demandé par Marc",
                                       created_by=manager))
        # Appointments: 1 to 3 today at sane hours, a few more this week and next, each set by a call.
        slots = [(first_day, hour) for hour in sorted(rng.sample(APPOINTMENT_HOURS, rng.randint(1, 3)))]
        for offset in range(1, 10):
            day = first_day + timedelta(days=offset)
            if is_working_day(day) and rng.random() < 0.45:
                slots.append((day, rng.choice(APPOINTMENT_HOURS)))
        for (day, hour), client_id in zip(slots, rng.sample(active, min(len(active), len(slots))), strict=False):
            starts = timeutil.local_datetime(day, hour)
            booked = _working_moment(rng, _past_weekday(rng, today, 10, 2))
            call = {"uid": _uid(rng), "client_id": client_id, "author_id": rep.id, "kind": "phone",
                    "outcome": "appointment_set", "occurred_at": booked, "created_at": booked,
                    "note": "RDV pris pour présenter la gamme", "contact_id": None, "duration_minutes": None}
            interactions.append(call)
            appointments.append({"uid": call["uid"], "client_id": client_id, "owner_id": rep.id,
                                 "created_by_id": rep.id, "starts_at": starts,
                                 "ends_at": starts + timedelta(minutes=rng.choice([45, 60])),
                                 "place": places[client_id], "notes": None, "created_at": booked})
    db.execute(insert(Interaction), interactions)
    # Appointments point at the call that set them (found by the call's uid, as the quick log links them).
    ids = dict(db.exec(select(Interaction.uid, Interaction.id)
                       .where(Interaction.uid.in_([a["uid"] for a in appointments]))).all())
    for appointment in appointments:
        appointment["interaction_id"] = ids[appointment.pop("uid")]
    if followups:
        db.execute(insert(FollowUp), followups)
    if appointments:
        db.execute(insert(Appointment), appointments)
    visits.recompute_last_dates(db, all_ids)  # the quick log's own rule for last contact and visit
    db.commit()
    visits.set_shared_phrases(db, SHARED_PHRASES)
    set_cadence_rules(db, CADENCES)


def _followup(rep: User, client_id: int, due: date, reason: str, *, at: time | None = None,
              status: str = "open", closed: datetime | None = None, created_by: User | None = None) -> dict:
    return {"client_id": client_id, "assignee_id": rep.id, "created_by_id": (created_by or rep).id,
            "due_date": due, "due_time": at, "reason": reason, "status": status, "snoozed_count": 0,
            "created_at": timeutil.local_datetime(min(due, timeutil.today()) - timedelta(days=7), time(9, 0)),
            "closed_at": closed, "uid": None, "interaction_id": None}
