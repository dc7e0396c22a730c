"""WSGI entry point (gunicorn config.wsgi). Refuses to start with a missing or malformed key, or
with keys that do not fit the database (``config.key_check``)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from cases.crypto import validate_configuration  # noqa: E402 - needs the app registry

validate_configuration()

from config.key_check import keys_match_database  # noqa: E402 - needs the app registry

keys_match_database()
