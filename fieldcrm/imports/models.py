"""One row per import: the stored file, the mapping, the mode, the progress the page polls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

# mapping: columns being mapped by the user; queued/validating/saving: in the background;
# done / refused (errors and the user chose all-or-nothing) / failed (file or crash) / cancelled;
# a done import the user takes back: undoing, then undone.
IMPORT_STATES = ("mapping", "queued", "validating", "saving", "done", "refused", "failed", "cancelled",
                 "undoing", "undone")
RUNNING_STATES = ("queued", "validating", "saving")
ERROR_MODES = ("skip", "refuse")
# What a row matching an existing card (same SIRET or e-mail) does to it.
UPDATE_MODES = ("fill_empty", "overwrite", "skip", "create")
KINDS = ("clients", "purchases")


class ImportJob(SQLModel, table=True):
    __tablename__ = "import_job"
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="app_user.id", index=True)
    filename: str = Field(max_length=255)
    stored_name: str = Field(max_length=80)
    kind: str = Field(default="clients", max_length=10)  # "clients" or "purchases"
    status: str = Field(default="mapping", max_length=12)
    error_mode: str = Field(default="skip", max_length=8)
    mapping: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    # JSON: value_maps {target: {folded value: mapped value}}, update_mode, owner_id, title_case.
    options: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    sheet_name: str | None = Field(default=None, max_length=120)
    total_rows: int = 0
    processed_rows: int = 0
    created_count: int = 0
    updated_count: int = 0
    skipped_count: int = 0
    objected_count: int = 0  # rows matching the opposition list: written as do-not-contact
    error_count: int = 0
    warning_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    error_code: str | None = Field(default=None, max_length=40)
    error_params: str | None = Field(default=None, sa_column=Column(Text))
    cancel_requested: bool = False
    geocoded_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # The worker running it (imports/lease.py): its token, until when it counts as alive, its last sign.
    lease_owner: str | None = Field(default=None, max_length=32)
    lease_until: datetime | None = None
    heartbeat_at: datetime | None = None  # also: when it was queued, while it waits
    attempts: int = 0  # workers that took it; more than one: resumed after a worker died


class ImportRow(SQLModel, table=True):
    """The journal of what an import wrote, so it can be undone: one entry per row it created
    (previous_values None) or per card it updated (JSON: each changed column's [before, after], the tags
    it added, the custom values it changed, the version [before, after]). Undoing walks it backwards."""

    __tablename__ = "import_row"
    __table_args__ = (Index("ix_import_row_import_id", "import_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="import_job.id")
    table_name: str = Field(max_length=40)
    row_id: int
    previous_values: str | None = Field(default=None, sa_column=Column(Text))


class ImportValueMap(SQLModel, table=True):
    """What a user mapped each value of a vocabulary column to, for files with the same headers."""

    __tablename__ = "import_value_map"
    __table_args__ = (UniqueConstraint("user_id", "header_key", "target", name="uq_import_value_map_user_key_target"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE")
    header_key: str = Field(max_length=64)  # a hash of the file's folded headers
    target: str = Field(max_length=40)
    values: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    updated_at: datetime = Field(default_factory=utcnow)
