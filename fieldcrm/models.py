"""Imports every capability's tables so Alembic sees the whole schema."""

from sqlmodel import SQLModel

from fieldcrm.accounts.models import AuthEvent, LoginThrottle, Team, User, UserSession
from fieldcrm.agenda.models import CadenceRule, CalendarFeed
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import (
    ChannelConsent,
    Client,
    ClientTag,
    ContactPerson,
    CustomFieldDef,
    CustomFieldValue,
    OpeningHours,
    Tag,
)
from fieldcrm.clients.settings import OrgSettings
from fieldcrm.dedupe.models import QueuedPair
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.geo.models import ProviderPace
from fieldcrm.handover.models import HandOver, HandOverItem
from fieldcrm.imports.models import ImportJob, ImportRow, ImportValueMap
from fieldcrm.maps.models import GeocodeRun
from fieldcrm.privacy.request_models import OppositionFingerprint, PrivacyRequest
from fieldcrm.privacy.retention_models import ClientAnonymisation, RetentionRule, RetentionRun
from fieldcrm.privacy.review_models import RegisterEntry, TextReviewDismissal
from fieldcrm.sales.models import Campaign, CampaignRecipient, Purchase
from fieldcrm.segments.models import Segment
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.visits.models import Interaction, QuickPhrase

metadata = SQLModel.metadata

__all__ = [
    "Appointment", "AuditEvent", "AuthEvent", "CadenceRule", "CalendarFeed", "Campaign",
    "CampaignRecipient", "ChannelConsent", "Client", "ClientAnonymisation", "ClientTag", "ContactPerson",
    "CustomFieldDef", "CustomFieldValue", "FollowUp", "GeocodeRun", "HandOver", "HandOverItem", "ImportJob", "ImportRow", "ImportValueMap",
    "Interaction", "LoginThrottle", "OpeningHours", "OppositionFingerprint", "OrgSettings", "PrivacyRequest",
    "ProviderPace", "Purchase", "QueuedPair", "QuickPhrase", "RegisterEntry", "RetentionRule", "RetentionRun", "Segment",
    "Tag", "Team", "TextReviewDismissal",
    "Tour", "TourStop", "User", "UserSession", "metadata",
]
