"""Keyed pseudonyms for identifiers (NIK, passport numbers), and where the keys come from.

A plain hash of a NIK can be reversed: once district, birth date and sex are
known only about 10^4 serials remain. Person keys are therefore
HMAC-SHA-256 of the validated identifier under a secret key that never leaves
the restricted side.

A secret is looked up, first hit wins, in:

1. the environment (``TPPO_PSEUDONYM_KEY``), what the deployment sets;
2. an Airflow Variable (``tppo_pseudonym_secret``: Airflow masks any variable
   whose name holds "secret" in its logs), consulted only inside an Airflow
   process, so any secrets backend Airflow is configured with serves it too;
3. the key file ``$TPPO_HOME/secrets/pseudonym.key``, which must be readable
   by its owner only.

Outside production a missing key file is created on first use (mode 600). With
``TPPO_ENV=production`` a missing key is an error instead, and so is a key
shorter than 32 characters: a production run must never mint a fresh key by
accident, which would silently split every person in two.

Every pseudonym is stored with the key's *version*, a short non-secret
fingerprint, so that a run can refuse to mix keys (see docs/PRIVACY.md,
"Key rotation"). The erasure register has its own secret of the same kind
(:data:`ERASURE`), because it must outlive a rotation of the pseudonym key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from tppo.config import is_production, secret_from_environment
from tppo.errors import KeyProblem, MissingKeyError

MIN_PRODUCTION_KEY_CHARS = 32


@dataclass(frozen=True)
class Secret:
    """Where one of the project's secrets may come from."""

    label: str
    env: str
    variable: str
    file_name: str


PSEUDONYM = Secret("pseudonym key", "TPPO_PSEUDONYM_KEY", "tppo_pseudonym_secret",
                   "pseudonym.key")
ERASURE = Secret("erasure register key", "TPPO_ERASURE_KEY", "tppo_erasure_secret",
                 "erasure.key")


@dataclass(frozen=True)
class Pseudonymiser:
    key: bytes
    source: str = "given"

    @property
    def version(self) -> str:
        """A short, non-secret fingerprint of the key, recorded with each pseudonym."""
        return hashlib.sha256(b"tppo-key-version:" + self.key).hexdigest()[:8]

    def __call__(self, kind: str, value: str | None) -> str | None:
        """Pseudonym of ``value`` in the namespace ``kind`` ('nik', 'paspor'...)."""
        if value is None or value == "":
            return None
        msg = f"{kind}:{value}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never print the key itself
        return f"Pseudonymiser(version={self.version}, source={self.source})"


def _airflow_variable(name: str) -> str | None:
    """The Airflow Variable ``name`` when running inside Airflow, else None.

    Importing the Airflow SDK costs seconds, so the command line never does;
    inside a task the SDK is already loaded and also masks the value in logs.
    """
    if "airflow.sdk" not in sys.modules:
        return None
    try:
        from airflow.sdk import Variable

        return Variable.get(name, default=None)
    except Exception:  # no metadata DB or API outside a task: not configured there
        return None


def _read_key_file(path: Path, label: str) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyProblem(f"the {label} file {path} can be read by others "
                         f"(mode {stat.filemode(mode)}); run `chmod 600 {path}`")
    key = path.read_bytes().strip()
    if not key:
        raise KeyProblem(f"the {label} file {path} is empty")
    return key


def _check_strength(key: bytes, secret: Secret, source: str) -> None:
    if is_production() and len(key) < MIN_PRODUCTION_KEY_CHARS:
        raise KeyProblem(f"the {secret.label} from {source} has {len(key)} characters; "
                         f"production needs at least {MIN_PRODUCTION_KEY_CHARS} "
                         "(`python -c 'import secrets; print(secrets.token_hex(32))'`)")


def create_key_file(path: Path, key: str | None = None) -> None:
    """Write ``key`` (None: a fresh random one) readable by its owner only (fails if the
    file exists)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write((key or secrets.token_hex(32)).encode())
        fh.flush()
        os.fsync(fh.fileno())


def find_secret(secret: Secret, secrets_dir: Path) -> Pseudonymiser | None:
    """The secret from the environment, Airflow or its key file; None when absent."""
    value = secret_from_environment(secret.env)
    source = f"${secret.env}"
    if not value:
        value = _airflow_variable(secret.variable)
        source = f"Airflow Variable {secret.variable}"
    if value:
        key = value.encode()
    else:
        key_file = secrets_dir / secret.file_name
        if not key_file.exists():
            return None
        key, source = _read_key_file(key_file, secret.label), f"key file {key_file}"
    _check_strength(key, secret, source)
    return Pseudonymiser(key, source)


def load_secret(secret: Secret, secrets_dir: Path, *, create: bool) -> Pseudonymiser:
    """The secret, creating its key file when allowed and not in production."""
    found = find_secret(secret, secrets_dir)
    if found is not None:
        return found
    key_file = secrets_dir / secret.file_name
    if is_production() or not create:
        raise MissingKeyError(
            f"no {secret.label}: set {secret.env}, the Airflow Variable {secret.variable}, "
            f"or place the key file at {key_file} (mode 600). A production run never "
            "creates a new key.")
    create_key_file(key_file)
    return find_secret(secret, secrets_dir)  # type: ignore[return-value]


def load_key(secrets_dir: Path) -> Pseudonymiser:
    """The project's pseudonymiser, creating a key file on first use outside production."""
    return load_secret(PSEUDONYM, secrets_dir, create=True)
