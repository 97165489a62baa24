"""Unbound extensions, bound in create_app with init_app."""

from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager

from fieldcrm.csrf_masking import MaskedCSRFProtect

babel = Babel()
csrf = MaskedCSRFProtect()  # Flask-WTF's, with tokens masked in every response
htmx = HTMX()
login_manager = LoginManager()
