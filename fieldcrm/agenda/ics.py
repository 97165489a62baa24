"""The private calendar feed as RFC 5545 (icalendar): follow-ups and appointments with alarms."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event

from fieldcrm import timeutil
from fieldcrm.timeutil import utcnow

PRODID = "-//FieldCRM//Agenda//FR"


def _alarm(trigger: timedelta, text: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", trigger)
    return alarm


def build_calendar(host: str, followups, appointments, base_url: str) -> bytes:
    """`followups` and `appointments` are (record, client) pairs; `host` names the UIDs' domain."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "FieldCRM")
    cal.add("x-wr-timezone", timeutil.zone().key)
    stamp = utcnow().replace(microsecond=0)
    for followup, client in followups:
        event = Event()
        event.add("uid", f"followup-{followup.id}@{host}")
        event.add("dtstamp", stamp)
        summary = _("Follow-up: %(client)s", client=client.display_name)
        event.add("summary", f"{summary} — {followup.reason}" if followup.reason else summary)
        if followup.due_time:
            start = timeutil.local_datetime(followup.due_date, followup.due_time).replace(microsecond=0)
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(minutes=15))
            event.add_component(_alarm(timedelta(minutes=-15), summary))
        else:
            event.add("dtstart", followup.due_date)
            event.add("dtend", followup.due_date + timedelta(days=1))
            event.add("transp", "TRANSPARENT")
            event.add_component(_alarm(timedelta(hours=9), summary))  # 9:00 on the day
        event.add("url", f"{base_url}/clients/{client.id}")
        cal.add_component(event)
    for appointment, client in appointments:
        event = Event()
        event.add("uid", f"appointment-{appointment.id}@{host}")
        event.add("dtstamp", stamp)
        summary = _("Appointment: %(client)s", client=client.display_name)
        event.add("summary", summary)
        event.add("dtstart", _second(appointment.starts_at))
        event.add("dtend", _second(appointment.ends_at))
        if appointment.place:
            event.add("location", appointment.place)
        if appointment.notes:
            event.add("description", appointment.notes)
        event.add("url", f"{base_url}/clients/{client.id}")
        event.add_component(_alarm(timedelta(minutes=-30), summary))
        cal.add_component(event)
    return cal.to_ical()


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)
