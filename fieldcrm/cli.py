"""The `fieldcrm` command: migrate, create-admin, demo, purge-deleted, plus Flask's run/shell."""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlmodel import select
from werkzeug.serving import run_simple

import fieldcrm  # the app factory: `fieldcrm.create_app` is looked up when a command runs
from fieldcrm import migrate as migrations
from fieldcrm.accounts import services as accounts
from fieldcrm.accounts.models import User
from fieldcrm.config import UnsafeConfiguration
from fieldcrm.db import get_engine, session_scope
from fieldcrm.demo import DEMO_PASSWORD, load_demo
from fieldcrm.maps import services as map_services
from fieldcrm.privacy.erasure import purge_deleted
from fieldcrm.timeutil import utcnow


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Apply the database migrations (safe to run at every release)."""
    engine = get_engine()
    migrations.upgrade(engine)
    click.echo(f"Database at the newest migration ({engine.url.render_as_string(hide_password=True)}).")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
@with_appcontext
def create_admin_command(email, name, password):
    """Create an administrator account."""
    with session_scope() as db:
        try:
            accounts.create_user(db, email=email, name=name, password=password, role="admin")
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Administrator {email} created.")


def _load_demo() -> dict[str, str]:
    with session_scope() as db:
        return load_demo(db)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Load the demo data and stop.")
@with_appcontext
def demo_command(host, port, no_serve):
    """Migrate, load the demo data into an empty database, print the logins, and serve."""
    migrations.upgrade(get_engine())
    with session_scope() as db:
        users = db.exec(select(User.email, User.role).order_by(User.role, User.email)).all()
    if not users:
        click.echo("Loading the demo data (about 10 seconds)…")
        _load_demo()
        with session_scope() as db:
            users = db.exec(select(User.email, User.role).order_by(User.role, User.email)).all()
    click.echo(f"\nFieldCRM demo — logins (password for all: {DEMO_PASSWORD}):")
    for email, role in users:
        click.echo(f"  {role:8} {email}")
    if no_serve:
        return
    click.echo(f"\nOpen http://{host}:{port}/ in your browser (Ctrl+C to stop).\n")

    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


@click.command("purge-deleted")
@with_appcontext
def purge_deleted_command():
    """Erase for good the clients deleted longer ago than the undo period, and forget the content of
    the logs (interactions) deleted that long ago. (Also runs daily in the job queue.)"""
    limit = utcnow() - timedelta(days=current_app.config["UNDO_DELETE_DAYS"])
    with session_scope() as db:
        report = purge_deleted(db, limit)
    click.echo(f"Clients erased: {len(report.purged)}. Deleted logs forgotten: {report.logs_forgotten}.")
    if report.failed:
        click.echo(f"Clients not erased ({len(report.failed)}), see the log:", err=True)
        for client_id, reason in report.failed.items():
            click.echo(f"  client {client_id}: {reason}", err=True)
        raise SystemExit(1)


@click.command("geocode")
@click.option("--all", "scope_all", is_flag=True, help="Every client, not only those not located yet.")
@click.option("--limit", type=int, default=None, help="Stop after this many clients (resume later).")
@click.option("--new", "new_run", is_flag=True, help="Start a new run even if one was interrupted.")
@with_appcontext
def geocode_command(scope_all, limit, new_run):
    """Geocode client addresses in bulk (respects each provider's rate limit; resumable)."""
    with session_scope() as db:
        run = None if new_run else map_services.unfinished_run(db)
        if run is not None:
            map_services.resume_run(db, run)
            click.echo(f"Resuming run {run.id}: {run.handled} done, {run.total - run.handled} left.")
        else:
            run = map_services.start_run(db, None, scope_all=scope_all)
            click.echo(f"Run {run.id}: {run.total} clients to geocode.")

        def report(progress_run):
            if progress_run.handled % 25 == 0 or progress_run.handled == progress_run.total:
                click.echo(f"  {progress_run.handled}/{progress_run.total} "
                           f"({progress_run.located} located, {progress_run.not_located} not located)")

        try:
            progress = map_services.continue_run(db, run.id, current_app.config, limit=limit, on_progress=report)
        except KeyboardInterrupt:
            db.rollback()
            map_services.stop_run(db, db.get(type(run), run.id))
            click.echo("Interrupted: run `fieldcrm geocode` again to resume.")
            return
    state = "finished" if progress.finished else "paused (run the command again to resume)"
    click.echo(f"Geocoding {state}: {progress.located} located, {progress.not_located} not located.")


COMMANDS = (geocode_command, migrate_command, create_admin_command, demo_command, purge_deleted_command)


def init_app(app) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def create_app_or_refuse():
    """The app for a command that needs it; an unsafe configuration is refused in one line."""
    try:
        return fieldcrm.create_app()
    except UnsafeConfiguration as exc:
        raise click.ClickException(str(exc)) from None


class FieldCRMGroup(FlaskGroup):
    """The `fieldcrm` command. Our commands sit on the group itself, so listing them (`--help`)
    needs no app: help works on a machine that is not configured yet."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return click.Group.list_commands(self, ctx)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        os.environ.setdefault("FIELDCRM_DEMO", "1")  # the demo may run with the default secret
    group = FieldCRMGroup(create_app=create_app_or_refuse, add_version_option=False, load_dotenv=False)
    for command in COMMANDS:
        group.add_command(command)
    group(prog_name="fieldcrm")
