"""Write throw-away development settings to .env.local, once. Never used in production.

Generates a SECRET_KEY, a master key for field encryption and a blind-index key. If the file
exists it is left alone, so the demo database stays readable between runs.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

path = Path(__file__).resolve().parent.parent / ".env.local"
if path.exists():
    # Add keys introduced since the file was written; never change existing ones.
    text = path.read_text(encoding="utf-8")
    if "AUDIT_SIGNING_KEY=" not in text:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"AUDIT_SIGNING_KEY={base64.b64encode(os.urandom(32)).decode()}\n")
    sys.exit(0)
key = base64.b64encode(os.urandom(32)).decode()
blind = base64.b64encode(os.urandom(32)).decode()
path.write_text(
    "# Throw-away development values written by scripts/dev_env.py. Never commit, never deploy.\n"
    "DEBUG=1\n"
    f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
    f"FIELD_ENCRYPTION_KEYS=dev1:{key}\n"
    f"BLIND_INDEX_KEY={blind}\n"
    f"AUDIT_SIGNING_KEY={base64.b64encode(os.urandom(32)).decode()}\n",
    encoding="utf-8",
)
path.chmod(0o600)
print(f"wrote {path.name} with fresh development keys")
