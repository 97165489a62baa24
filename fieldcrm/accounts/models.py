"""Users, teams, server-side sessions, login throttling and the authentication log."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

ROLES = ("rep", "manager", "admin")


class Team(SQLModel, table=True):
    __tablename__ = "team"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(default="rep", max_length=16)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    active: bool = Field(default=True)
    locale: str | None = Field(default=None, max_length=8)
    working_days: str = Field(default="01234", max_length=7)  # weekday digits, Monday = 0
    created_at: datetime = Field(default_factory=utcnow)

    # flask-login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


class UserSession(SQLModel, table=True):
    """A login. The cookie only carries its random token; revoking the row ends the session."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    user_agent: str | None = Field(default=None, max_length=255)


class LoginThrottle(SQLModel, table=True):
    """Failed attempts per login name (known or not, so both answer alike)."""

    __tablename__ = "login_throttle"
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=254, unique=True, index=True)
    failures: int = 0
    locked_until: datetime | None = None
    last_failure_at: datetime | None = None


class AuthEvent(SQLModel, table=True):
    __tablename__ = "auth_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    event: str = Field(max_length=40)
    login: str | None = Field(default=None, max_length=254)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    ip: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=255)
