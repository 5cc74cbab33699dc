"""Keyed pseudonyms for identifiers (NIK, passport numbers).

A plain hash of a NIK can be reversed: once district, birth date and sex are
known only about 10^4 serials remain. Person keys are therefore
HMAC-SHA-256 of the validated identifier under a secret key that never leaves
the restricted side. The key comes from ``TPPO_PSEUDONYM_KEY`` (hex or any
string) or from ``$TPPO_HOME/secrets/pseudonym.key``, created on first use
with owner-only permissions. With ``TPPO_ENV=production`` a missing key is an
error instead: a production run must never mint a fresh key by accident,
which would silently split every person in two.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


class MissingKeyError(RuntimeError):
    """Raised when a production run has no pseudonym key."""


@dataclass(frozen=True)
class Pseudonymiser:
    key: bytes

    @property
    def version(self) -> str:
        """A short, non-secret fingerprint of the key, recorded with each load."""
        return hashlib.sha256(b"tppo-key-version:" + self.key).hexdigest()[:8]

    def __call__(self, kind: str, value: str | None) -> str | None:
        """Pseudonym of ``value`` in the namespace ``kind`` ('nik', 'paspor'...)."""
        if value is None or value == "":
            return None
        msg = f"{kind}:{value}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()


def load_key(secrets_dir: Path) -> Pseudonymiser:
    """The project's pseudonymiser, creating a key file on first use outside production."""
    env_key = os.environ.get("TPPO_PSEUDONYM_KEY")
    if env_key:
        return Pseudonymiser(env_key.encode())
    key_file = secrets_dir / "pseudonym.key"
    if key_file.exists():
        return Pseudonymiser(key_file.read_bytes().strip())
    if os.environ.get("TPPO_ENV", "").lower() == "production":
        raise MissingKeyError(
            "no pseudonym key: set TPPO_PSEUDONYM_KEY or place the key file at "
            f"{key_file} (mode 600). A production run never creates a new key."
        )
    secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_hex(32).encode())
    return Pseudonymiser(key_file.read_bytes().strip())
