"""The payers' flux import's settings (docs/flux.md); `base` imports it."""

import os
from pathlib import Path

_VAR_DIR = Path(os.environ.get("FILROUGE_VAR_DIR", Path(__file__).resolve().parent.parent.parent / "var"))

# The payers' flux (docs/flux.md): the reader of the files, the lines applied per transaction,
# the drop folder beat watches (the payer's file transfer writes there; each file is imported
# once, then moved to `traités/` or `rejetés/`), where uploaded files wait for their import,
# where the command and the folder register new people (a territory's code; empty: the only
# territory). The largest file accepted is FLUX_MAX_BYTES (in base, the readers').
FLUX_READER = os.environ.get("FLUX_READER", "workflows.flux.readers.read_flux")
FLUX_BATCH_LINES = int(os.environ.get("FLUX_BATCH_LINES", "500"))
FLUX_DROP_DIR = Path(os.environ.get("FLUX_DROP_DIR", _VAR_DIR / "flux" / "depot"))
FLUX_UPLOAD_DIR = Path(os.environ.get("FLUX_UPLOAD_DIR", _VAR_DIR / "flux" / "envois"))
FLUX_DEFAULT_TERRITORY = os.environ.get("FLUX_DEFAULT_TERRITORY", "")
FLUX_DROP_SETTLE_SECONDS = int(os.environ.get("FLUX_DROP_SETTLE_SECONDS", "60"))
# The flux's tasks live beside the importer (workflows/flux/tasks.py), out of autodiscovery's reach.
CELERY_IMPORTS = ("workflows.flux.tasks",)
