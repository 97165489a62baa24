"""Organisation-wide privacy settings (data minimisation switches)."""

from sqlmodel import Field, SQLModel


class OrgSettings(SQLModel, table=True):
    """A single row: what the organisation chose to collect at all."""

    __tablename__ = "org_settings"
    id: int | None = Field(default=None, primary_key=True)
    collect_birth_date: bool = False
    collect_gender: bool = False
