"""The import wizard's forms (the upload, the mapping screen: WTForms, see fieldcrm.web.forms), their labels,
and the reading of the choices posted (kept as the user left them)."""

from __future__ import annotations

import phonenumbers
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import ValidationError

from fieldcrm.imports.mapping import CUSTOM_PREFIX, IGNORE, MULTI_VALUED, TARGETS
from fieldcrm.imports.models import UPDATE_MODES
from fieldcrm.imports.purchases import PURCHASE_TARGETS
from fieldcrm.imports.valuemaps import ValueColumn, read_value_maps
from fieldcrm.web.forms import SUBMITTED, submitted_formdata

IMPORT_KINDS = ("clients", "purchases")


class UploadForm(FlaskForm):
    """The file to import, and whether it holds clients or purchases."""

    file = FileField()
    kind = StringField(default="clients")

    def validate_file(self, field):
        if field.data is None or not getattr(field.data, "filename", ""):
            raise ValidationError(_("Choose a file to import."))

    def validate_kind(self, field):
        if field.data not in IMPORT_KINDS:
            field.data = "clients"


class MappingForm(FlaskForm):
    """The mapping screen: a target per column (col-<i>), a target value per distinct value of the
    vocabulary columns (vk-/vm-<target>-<n>), what matched cards get, whose portfolio, title case, what
    to do with rows in error, and whether to preview or run. Their number depends on the file, so the
    form reads them itself from what was posted; anything unknown falls back to its default."""

    action = StringField(default="preview")
    error_mode = StringField(default="skip")
    update_mode = StringField(default="fill_empty")
    owner_id = StringField(default="")
    title_case = StringField(default="")

    def __init__(self, formdata=SUBMITTED, **kwargs):
        if formdata is SUBMITTED:
            formdata = submitted_formdata()
        super().__init__(formdata, **kwargs)
        self.raw = formdata or {}

    def columns(self, column_count: int, valid: set[str]) -> dict[int, str]:
        return read_mapping(self.raw, column_count, valid)

    def options(self, owners, current: dict) -> dict:
        return read_options(self.raw, owners, current)

    def value_maps(self, columns: list[ValueColumn], valid: dict[str, set[str]]) -> dict[str, dict[str, str]]:
        return read_value_maps(self.raw, columns, valid)

    def rows_in_error(self) -> str:
        return self.error_mode.data if self.error_mode.data in ("skip", "refuse") else "skip"

    def runs(self) -> bool:
        return self.action.data == "run"


def purchase_target_labels() -> list[tuple[str, str]]:
    labels = {"siret": _l("Client: SIRET"), "email": _l("Client: email"), "phone": _l("Client: phone"),
              "company_name": _l("Client: company name"), "last_name": _l("Client: last name"),
              "postal_code": _l("Client: postal code"), "purchased_on": _l("Purchase date"),
              "amount": _l("Amount (€)"), "product": _l("Product"), "product_family": _l("Product family"),
              "quantity": _l("Quantity"), "reference": _l("Reference")}
    return [(IGNORE, _l("— do not import —"))] + [(t, labels[t]) for t in PURCHASE_TARGETS]


def target_labels(custom_fields, kind: str = "clients") -> list[tuple[str, str]]:
    if kind == "purchases":
        return purchase_target_labels()
    labels = {
        "kind": _l("Kind (company / person)"), "company_name": _l("Company name"), "siret": _l("SIRET"),
        "civility": _l("Civility"), "first_name": _l("First name"), "last_name": _l("Last name"),
        "full_name": _l("Full name (civility, first and last name)"),
        "contact_function": _l("Function of the contact person"),
        "street": _l("Street"), "street2": _l("Address line 2"), "postal_code": _l("Postal code"),
        "city": _l("City"), "country": _l("Country"), "phone": _l("Phone"), "mobile": _l("Mobile"),
        "email": _l("Email"), "consent": _l("E-mail consent (opt-in, newsletter)"), "website": _l("Website"), "status": _l("Status"), "sector": _l("Sector"),
        "segment": _l("Segment / typology"), "tags": _l("Tags"), "loyalty_programme": _l("Loyalty programme"),
        "client_since": _l("Client since"), "source": _l("Source"), "notes": _l("Notes"),
        "birth_date": _l("Birth date"), "owner_email": _l("Sales rep (initials, name or e-mail)"),
        "visit_cadence_days": _l("Visit cadence (days)"),
    }
    choices = [(IGNORE, _l("— do not import —"))]
    choices += [(t, labels.get(t, t)) for t in TARGETS]
    choices += [(f"{CUSTOM_PREFIX}{f.key}", _l("Custom field: %(label)s", label=f.label)) for f in custom_fields]
    return choices


def read_mapping(form, column_count: int, valid: set[str]) -> dict[int, str]:
    """col-<i> fields -> {i: target}; anything unknown becomes "ignore"."""
    mapping = {}
    for index in range(column_count):
        target = form.get(f"col-{index}", IGNORE)
        mapping[index] = target if target in valid else IGNORE
    return mapping


def duplicate_targets(mapping: dict[int, str]) -> set[str]:
    """Single-valued targets fed by two columns (the user must choose)."""
    seen, dupes = set(), set()
    for target in mapping.values():
        if target == IGNORE or target in MULTI_VALUED:
            continue
        (dupes if target in seen else seen).add(target)
    return dupes


def state_labels() -> dict[str, str]:
    return {"mapping": _l("columns to choose"), "queued": _l("waiting"), "validating": _l("checking"),
            "saving": _l("saving"), "done": _l("done"), "refused": _l("refused"), "failed": _l("failed"),
            "cancelled": _l("cancelled"), "undoing": _l("being undone"), "undone": _l("undone")}


def update_mode_labels() -> list[tuple[str, str]]:
    return [("fill_empty", _l("Fill in their empty fields only")),
            ("overwrite", _l("Overwrite their fields with the file's values")),
            ("skip", _l("Leave them as they are (skip these rows)")),
            ("create", _l("Create new cards anyway"))]


def value_choices(target: str, owners) -> list[tuple[str, str]]:
    """The target values a file's value may be mapped to ("" = leave the field empty)."""
    empty = [("", _l("— leave empty —"))]
    if target == "status":
        return empty + [("suspect", _l("Suspect")), ("lead", _l("Lead")), ("prospect", _l("Prospect")),
                        ("client", _l("Client")), ("former_client", _l("Former client"))]
    if target == "civility":
        return empty + [("M", _l("Mr")), ("MME", _l("Mrs"))]
    if target == "kind":
        return empty + [("company", _l("Company")), ("person", _l("Person"))]
    if target == "consent":
        return [("", _l("— unknown —")), ("granted", _l("Consent given")), ("refused", _l("Consent refused"))]
    if target == "owner_email":
        return [("", _l("— the rep chosen for the import —"))] + [(str(u.id), u.name) for u in owners]
    return []


def valid_values(owners) -> dict[str, set[str]]:
    valid = {t: {v for v, _ in value_choices(t, owners)} for t in ("status", "civility", "kind", "consent", "owner_email")}
    valid["country"] = set(phonenumbers.SUPPORTED_REGIONS)
    return valid


def read_options(form, owners, current: dict) -> dict:
    """The import's choices from the mapping form: what matched cards get, the rep new cards go to
    (only one the actor may give cards to), title case. Value mappings are read apart."""
    options = dict(current)
    mode = form.get("update_mode", "fill_empty")
    options["update_mode"] = mode if mode in UPDATE_MODES else "fill_empty"
    owner = form.get("owner_id", "")
    ids = {u.id for u in owners}
    if owner.isdigit() and int(owner) in ids:
        options["owner_id"] = int(owner)
    options["title_case"] = form.get("title_case") == "1"
    return options
