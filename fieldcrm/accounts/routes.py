"""Login/logout, the user's own account, and user administration (admins only)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlmodel import select

from fieldcrm import workdays
from fieldcrm.accounts import services
from fieldcrm.accounts.auth import SESSION_KEY, start_session
from fieldcrm.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    PasswordResetForm,
    PreferencesForm,
    TeamForm,
    UserEditForm,
    UserForm,
)
from fieldcrm.accounts.models import Team, User
from fieldcrm.db import get_session
from fieldcrm.web.boundary import safe_next
from fieldcrm.web.forms import posted
from fieldcrm.web.guards import admin_required, with_user
from fieldcrm.web.rate_limits import rate_limited

bp = Blueprint("accounts", __name__)


def _open_session(user: User, token: str) -> None:
    session.clear()  # a fresh session at every login
    # `user` must be the real object, never the `current_user` proxy: flask_login keeps it as the
    # request's user, and the proxy would then resolve to itself endlessly (a C stack overflow that
    # kills the worker).
    login_user(user)
    session[SESSION_KEY] = token
    session.permanent = False


@bp.route("/login", methods=["GET", "POST"])
@rate_limited("RATE_LIMIT_LOGIN", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("agenda.today"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = services.authenticate(get_session(), form.email.data, form.password.data)
        if result.user:
            _open_session(result.user, result.token)
            # back where the login was asked for, else Today (the home screen)
            return redirect(safe_next(request.args.get("next")) or url_for("agenda.today"), 303)
        error = result.error
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    services.logout(get_session(), current_user, session.get(SESSION_KEY))
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    response = redirect(url_for("accounts.login"), 303)
    # The browser forgets the pages it cached for this person; the page after this one clears what the
    # app keeps for offline use. "storage" (every storage of the site, the service worker too) only when
    # the phone's outbox said it holds no unsent work of anyone else: wiping it would lose that work.
    alone = posted("outbox_holds_no_other_work") == "1"
    response.headers["Clear-Site-Data"] = '"cache", "storage"' if alone else '"cache"'
    return response


@bp.route("/account", methods=["GET", "POST"])
@rate_limited("RATE_LIMIT_PASSWORD", methods=["POST"])  # the password change checks a password
@login_required
def account():
    prefs = PreferencesForm(prefix="prefs", locale=current_user.locale or "",
                            working_days=sorted(str(d) for d in workdays.parse_days(current_user.working_days)))
    password_form = ChangePasswordForm(prefix="pw")
    error = None
    if request.method == "POST" and prefs.locale.raw_data and prefs.validate_on_submit():
        services.set_preferences(get_session(), current_user._get_current_object(), prefs.locale.data or None,
                                 {int(d) for d in prefs.working_days.data})
        flash(_("Preferences saved."), "success")
        return redirect(url_for("accounts.account"), 303)
    if request.method == "POST" and password_form.current.raw_data and password_form.validate_on_submit():
        db = get_session()
        user = current_user._get_current_object()
        try:
            services.change_own_password(db, user, password_form.current.data, password_form.password.data)
        except services.AccountError as exc:
            error = str(exc)
        else:
            token = start_session(db, user)
            db.commit()
            _open_session(user, token)
            flash(_("Password changed. Your other sessions were closed."), "success")
            return redirect(url_for("accounts.account"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/account.html", prefs=prefs, password_form=password_form,
                           error=error), status


# --- administration ------------------------------------------------------------------------

def _teams():
    return list(get_session().exec(select(Team).order_by(Team.name)).all())


def _team_choices():
    return [("", "—")] + [(t.id, t.name) for t in _teams()]


@bp.get("/admin/users")
@admin_required
def users():
    db = get_session()
    rows = db.exec(select(User).order_by(User.active.desc(), User.name)).all()
    return render_template("accounts/users.html", users=rows, teams={t.id: t for t in _teams()},
                           active_count=services.active_user_count(db),
                           max_users=current_app.config["MAX_ACTIVE_USERS"], team_form=TeamForm())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = UserForm()
    form.team_id.choices = _team_choices()
    error = None
    if form.validate_on_submit():
        try:
            services.create_user(get_session(), email=form.email.data, name=form.name.data,
                                 password=form.password.data or "", role=form.role.data,
                                 team_id=form.team_id.data, actor=current_user)
        except services.AccountError as exc:
            error = str(exc)
        else:
            flash(_("User created."), "success")
            return redirect(url_for("accounts.users"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/user_new.html", form=form, error=error), status


def _user_page(user, form: UserEditForm, error: str | None, status: int):
    form.team_id.choices = _team_choices()
    return render_template("accounts/user_edit.html", user=user, form=form, reset=PasswordResetForm(prefix="reset"),
                           error=error), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@with_user
def user_edit(user):
    form = UserEditForm(obj=user)
    form.team_id.choices = _team_choices()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.update_user(get_session(), user, name=form.name.data, role=form.role.data,
                                 team_id=form.team_id.data, actor=current_user)
        except services.AccountError as exc:
            error = str(exc)
        else:
            flash(_("User saved."), "success")
            return redirect(url_for("accounts.user_edit", user_id=user.id), 303)
    status = 422 if error or (request.method == "POST" and form.errors) else 200
    return _user_page(user, form, error, status)


def _user_action(user, action, success: str):
    """Run an admin action on `user`: back to their page, or that page with the reason it was refused."""
    try:
        action()
    except services.AccountError as exc:
        return _user_page(user, UserEditForm(obj=user, formdata=None), str(exc), 422)
    flash(success, "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/active")
@with_user
def user_active(user):
    active = posted("active") == "1"
    return _user_action(user, lambda: services.set_active(get_session(), user, active, current_user),
                        _("User activated.") if active else _("User deactivated; their sessions are closed."))


@bp.post("/admin/users/<int:user_id>/password")
@rate_limited("RATE_LIMIT_PASSWORD")
@with_user
def user_password(user):
    form = PasswordResetForm(prefix="reset")
    if not form.validate_on_submit():
        flash(_("Give a password."), "error")
        return redirect(url_for("accounts.user_edit", user_id=user.id), 303)
    return _user_action(user, lambda: services.reset_password(get_session(), user, form.password.data,
                                                              current_user), _("Password reset."))


@bp.post("/admin/teams")
@admin_required
def team_new():
    form = TeamForm()
    if form.validate_on_submit():
        try:
            services.create_team(get_session(), form.name.data)
        except services.AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Team created."), "success")
    else:
        flash(_("Give the team a name."), "error")
    return redirect(url_for("accounts.users"), 303)
