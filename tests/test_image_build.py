"""The image's build steps run here, outside Docker, exactly as the Dockerfile writes them.

No container engine runs in CI, so this test reads the Dockerfile's `collectstatic` RUN line
and runs it with the image's environment (its ENV lines, nothing from this machine: no
DATABASE_URL, no secret) into a temporary static root.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def dockerfile_env() -> dict[str, str]:
    """The variables of the Dockerfile's ENV lines (`ENV A=1 B=2` form)."""
    env = {}
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def collectstatic_step() -> tuple[dict[str, str], list[str]]:
    """The `RUN [VAR=value ...] python manage.py collectstatic ...` line: its variables and command."""
    lines = [
        line for line in DOCKERFILE.read_text().splitlines() if line.startswith("RUN ") and "collectstatic" in line
    ]
    assert len(lines) == 1, "one collectstatic step in the Dockerfile"
    words = shlex.split(lines[0][4:])
    env = {}
    while re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    return env, words


def test_the_dockerfile_collectstatic_step_runs_without_database_or_secret(tmp_path):
    step_env, command = collectstatic_step()
    assert command[:3] == ["python", "manage.py", "collectstatic"]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        **dockerfile_env(),
        **step_env,
        "FILROUGE_VAR_DIR": str(tmp_path / "var"),  # STATIC_ROOT = var/static, as /app/var in the image
    }
    assert "DATABASE_URL" not in env and "DJANGO_SECRET_KEY" not in dockerfile_env()
    done = subprocess.run(
        [sys.executable, *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    static_root = tmp_path / "var" / "static"
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert (static_root / manifest["paths"]["css/filrouge.css"]).exists()

    # The container, run with production settings and its secrets, serves the hashed names.
    run_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "k" * 64,
        "FILROUGE_NIR_KEY": "n" * 40,
        "DATABASE_URL": "postgres://filrouge@postgres:5432/filrouge",
    }
    script = (
        "import django; django.setup(); from django.templatetags.static import static;"
        "print(static('css/filrouge.css'))"
    )
    served = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=60
    )
    assert served.stdout.strip() == "/static/" + manifest["paths"]["css/filrouge.css"], served.stderr[-2000:]
