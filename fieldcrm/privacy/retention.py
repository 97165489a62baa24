"""Retention that runs itself: each rule's settings, its dry run, the daily run and the review of a batch.

Every day the job queue runs `run_enabled_rules` (privacy.tasks). Each enabled rule, in its own
transaction: rules set to "apply automatically" act at once; the others prepare a batch (status
"pending") an admin reviews on the retention page, then applies or dismisses. A new daily batch
supersedes a pending one nobody reviewed (it holds the same items and the newly due ones). Every run
is logged in `retention_run`: when, which cutoff, how many found, how many treated, who reviewed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.privacy.retention_models import RetentionRule, RetentionRun
from fieldcrm.privacy.retention_rules import RULES, Rule, default_days
from fieldcrm.timeutil import UTC, utcnow

DAILY_AT = time(3, 51)  # UTC, when the job queue runs the rules (privacy.tasks)


class RetentionError(ValueError):
    """A refused setting or review, with a message for the admin."""


@dataclass
class RuleSettings:
    rule: Rule
    days: int
    enabled: bool
    auto_apply: bool
    action: str

    @property
    def key(self) -> str:
        return self.rule.key


@dataclass
class DryRun:
    cutoff: datetime
    count: int
    sample: list[str]


def settings_of(db: Session, key: str) -> RuleSettings:
    rule = RULES[key]
    row = db.get(RetentionRule, key)
    if row is None:
        return RuleSettings(rule, default_days(rule), True, rule.default_auto or rule.required, rule.default_action)
    days = min(max(row.days, rule.min_days()), rule.max_days())
    action = row.action if row.action in rule.actions else rule.default_action
    if rule.required:
        return RuleSettings(rule, days, True, True, action)
    return RuleSettings(rule, days, row.enabled, row.auto_apply, action)


def all_settings(db: Session) -> list[RuleSettings]:
    return [settings_of(db, key) for key in RULES]


def save_settings(db: Session, actor: User, key: str, *, days: int, enabled: bool, auto_apply: bool,
                  action: str) -> RuleSettings:
    """Change a rule's settings; RetentionError (nothing saved) when a value is out of its bounds."""
    rule = RULES[key]
    low, high = rule.min_days(), rule.max_days()
    if not low <= days <= high:
        raise RetentionError(_("Choose a period between %(low)d and %(high)d days.", low=low, high=high))
    if action not in rule.actions:
        raise RetentionError(_("Choose one of the actions offered."))
    row = db.get(RetentionRule, key) or RetentionRule(key=key, days=days, action=action)
    row.days, row.action = days, action
    row.enabled, row.auto_apply = (True, True) if rule.required else (enabled, auto_apply)
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    db.add(row)
    db.commit()
    return settings_of(db, key)


def cutoff_for(settings: RuleSettings, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=settings.days)


def dry_run(db: Session, key: str, now: datetime | None = None) -> DryRun:
    """How many items the rule would treat now, and a sample of them. Reads only."""
    settings = settings_of(db, key)
    cutoff = cutoff_for(settings, now)
    return DryRun(cutoff, settings.rule.count(db, cutoff), settings.rule.sample(db, cutoff))


def next_run(now: datetime | None = None) -> datetime:
    now = now or utcnow()
    today = datetime.combine(now.astimezone(UTC).date(), DAILY_AT, tzinfo=UTC)
    return today if today > now else today + timedelta(days=1)


def get_run_or_404(db: Session, actor: User, run_id: int) -> RetentionRun:
    """A batch of a known rule, for an admin only (anyone else, or no such batch, is NotVisible: 404)."""
    run = access.get_for_admin(db, actor, RetentionRun, run_id)
    if run.rule not in RULES:
        raise access.NotVisible()
    return run


def last_runs(db: Session) -> dict[str, RetentionRun]:
    """Each rule's latest run."""
    latest = {}
    for run in db.exec(select(RetentionRun).order_by(RetentionRun.started_at.desc(), RetentionRun.id.desc())
                       .limit(500)).all():
        latest.setdefault(run.rule, run)
    return latest


def runs_of(db: Session, key: str, limit: int = 30) -> list[RetentionRun]:
    return list(db.exec(select(RetentionRun).where(RetentionRun.rule == key)
                        .order_by(RetentionRun.started_at.desc(), RetentionRun.id.desc()).limit(limit)).all())


def pending_batches(db: Session) -> list[RetentionRun]:
    return list(db.exec(select(RetentionRun).where(RetentionRun.status == "pending")
                        .order_by(RetentionRun.started_at)).all())


def run_rule(db: Session, key: str, *, trigger: str = "daily", actor: User | None = None,
             now: datetime | None = None) -> RetentionRun:
    """Run one rule now: apply it (automatic rules) or prepare a batch to review. Logged either way."""
    settings = settings_of(db, key)
    rule, cutoff = settings.rule, cutoff_for(settings, now)
    ids = rule.find(db, cutoff)
    found = len(ids) if ids is not None else rule.count(db, cutoff)
    run = RetentionRun(rule=key, trigger=trigger, cutoff=cutoff, action=settings.action, found=found,
                       item_ids=json.dumps(ids) if ids is not None else None)
    if not settings.auto_apply and found:
        db.execute(update(RetentionRun).where(RetentionRun.rule == key, RetentionRun.status == "pending")
                   .values(status="superseded", finished_at=utcnow()))
        run.status = "pending"
        db.add(run)
        db.commit()
        return run
    run.status = "applying" if found else "nothing"
    db.add(run)
    db.commit()
    if found:
        _apply(db, run, ids, actor)
    return run


def _apply(db: Session, run: RetentionRun, ids: list[int] | None, actor: User | None) -> None:
    rule = RULES[run.rule]
    try:
        run.applied = rule.apply(db, run.cutoff, ids, run.action, actor.id if actor else None)
        run.status = "applied"
    except Exception as exc:
        db.rollback()
        current_app.logger.exception("retention rule %s failed", run.rule)
        run.status, run.detail = "failed", f"{type(exc).__name__}: {exc}"[:500]
    run.finished_at = utcnow()
    if actor is not None:
        run.reviewed_by_id, run.reviewed_at = actor.id, run.finished_at
    db.add(run)
    db.commit()


def run_enabled_rules(db: Session, now: datetime | None = None) -> dict[str, str]:
    """The daily run: every enabled rule, each on its own; one that fails does not stop the others."""
    done = {}
    for settings in all_settings(db):
        if not settings.enabled:
            continue
        try:
            run = run_rule(db, settings.key, now=now)
            done[settings.key] = f"{run.status}:{run.found}/{run.applied}"
        except Exception as exc:
            db.rollback()
            current_app.logger.exception("retention rule %s could not run", settings.key)
            done[settings.key] = f"failed:{type(exc).__name__}"
    return done


def batch_items(run: RetentionRun) -> list[int] | None:
    return json.loads(run.item_ids) if run.item_ids is not None else None


def apply_batch(db: Session, actor: User, run: RetentionRun) -> RetentionRun:
    """Apply a reviewed batch. The batch is claimed in one statement (pending → applying), so two admins
    confirming at once apply it once; RetentionError if it is no longer pending."""
    claimed = db.execute(update(RetentionRun).where(RetentionRun.id == run.id, RetentionRun.status == "pending")
                         .values(status="applying", reviewed_by_id=actor.id, reviewed_at=utcnow()))
    db.commit()
    if claimed.rowcount != 1:
        db.refresh(run)
        raise RetentionError(_("This batch was already reviewed, or a newer one replaced it."))
    db.refresh(run)
    _apply(db, run, batch_items(run), actor)
    return run


def dismiss_batch(db: Session, actor: User, run: RetentionRun) -> RetentionRun:
    """Keep everything in the batch this time (the next daily run finds the items again)."""
    claimed = db.execute(update(RetentionRun).where(RetentionRun.id == run.id, RetentionRun.status == "pending")
                         .values(status="dismissed", reviewed_by_id=actor.id, reviewed_at=utcnow(),
                                 finished_at=utcnow()))
    db.commit()
    if claimed.rowcount != 1:
        raise RetentionError(_("This batch was already reviewed, or a newer one replaced it."))
    db.refresh(run)
    return run


def batch_lines(db: Session, run: RetentionRun, limit: int = 100) -> list[str]:
    """What the batch holds, as the review shows it: its clients (rules on clients) or a sample."""
    rule, ids = RULES[run.rule], batch_items(run)
    if ids is None:
        return rule.sample(db, run.cutoff, limit)
    return rule.lines(db, ids[:limit])
