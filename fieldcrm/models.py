"""Imports every capability's tables so Alembic sees the whole schema (importing a models module
registers its tables on SQLModel.metadata)."""

from sqlmodel import SQLModel

import fieldcrm.accounts.models
import fieldcrm.agenda.models
import fieldcrm.audit.models
import fieldcrm.clients.models
import fieldcrm.clients.settings
import fieldcrm.dedupe.models
import fieldcrm.followups.models
import fieldcrm.geo.models
import fieldcrm.handover.models
import fieldcrm.imports.models
import fieldcrm.maps.models
import fieldcrm.outbox.models
import fieldcrm.privacy.request_models
import fieldcrm.privacy.retention_models
import fieldcrm.privacy.review_models
import fieldcrm.sales.models
import fieldcrm.segments.models
import fieldcrm.tours.models
import fieldcrm.visits.models  # noqa: F401 (imported for the tables it registers, as all above)

metadata = SQLModel.metadata

__all__ = ["metadata"]
