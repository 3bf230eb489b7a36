"""Settings of the image build only (the Dockerfile's `collectstatic`), never to serve a request.

The build has no database and no secret (they exist only when the container runs, from its
environment), so production's checks on `DJANGO_SECRET_KEY` and `DATABASE_URL` do not apply;
the static files pipeline is production's own (`PRODUCTION_STORAGES`), so the manifest the
image ships is the one `config.settings.prod` reads.
"""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "build-only-never-used-to-sign-anything"  # collectstatic signs nothing
STORAGES = PRODUCTION_STORAGES  # noqa: F405
