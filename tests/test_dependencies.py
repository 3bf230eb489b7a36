"""Direct dependencies that the code no longer needs are not installed (issue 14, 5 then 3).

django-ipware was added for django-axes to find the client's address behind the proxy; the address
is now computed by `config.security.client_ip` (axes' `AXES_CLIENT_IP_CALLABLE`), which axes asks
before ipware, so ipware (and python-ipware under it) left the requirements.
"""

from __future__ import annotations

import re
from pathlib import Path

from axes.helpers import get_client_ip_address
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {".venv", "var", "node_modules", ".git"}


def requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.split(r"[\[=<>~! ]", line, maxsplit=1)[0].lower())
    return names


def test_the_client_address_behind_the_proxy_needs_no_ipware(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().post("/connexion/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="81.250.17.4")
    assert settings.AXES_CLIENT_IP_CALLABLE == "config.security.client_ip"
    assert get_client_ip_address(request, use_ipware=False) == "81.250.17.4"


def test_ipware_is_neither_imported_nor_required():
    sources = [p for p in ROOT.rglob("*.py") if not SKIPPED & set(p.relative_to(ROOT).parts)]
    assert not [p for p in sources if re.search(r"^\s*(import|from)\s+ipware\b", p.read_text(), re.M)]
    for name in ("requirements.in", "requirements.lock"):
        assert not {"django-ipware", "python-ipware"} & requirement_names(ROOT / name), name
