"""gunicorn's access log without personal data or credentials.

The default access line holds the request line with its query string (`GET /?q=Moreau+Chloé`),
the partner acknowledgement link whose path is a credential (`/partenaire/accuse/<token>/`),
and the Referer (the previous page's URL, query string included). This logger masks query
strings and partner tokens in every value it formats, and drops the headers that carry
secrets (Authorization, Cookie, the CSRF token), whatever `access_log_format` asks for.
Enabled by gunicorn.conf.py (`logger_class`), which gunicorn reads from its working directory.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from config.logging_filters import REDACTED, redact_url

SECRET_ATOMS = ("{authorization}i", "{cookie}i", "{x-csrftoken}i", "{http_authorization}e", "{http_cookie}e")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = redact_url(value)
        if atoms.get("q"):
            atoms["q"] = REDACTED
        for key in ("{query_string}e",):
            if atoms.get(key):
                atoms[key] = REDACTED
        for key in SECRET_ATOMS:
            if key in atoms:
                atoms[key] = REDACTED
        return atoms
