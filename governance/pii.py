"""The keyed PII hash, in Python: the same function as the dbt macro `hash_pii`.

    hash_pii(value) = hex(sha256(key || '|' || hex(sha256(key || '|' || value))))

The key is the secret `PII_HASH_KEY` from the environment; the development default below is the
one `macros/hash_pii.sql` falls back to (a test keeps the two identical). Erasure uses this to
write the suppression list and the audit log without storing the identifiers themselves, and
ingestion uses it to recognise suppressed people.
"""

from __future__ import annotations

import hashlib
import os

KEY_ENV = "PII_HASH_KEY"
# Development only, public by design (it is committed): production sets PII_HASH_KEY.
DEV_KEY = "dev-only-pii-hash-key-do-not-use-in-production"


def hash_key() -> str:
    """PII_HASH_KEY, else the development key: exactly dbt's env_var('PII_HASH_KEY', default)
    (so a variable set to the empty string means an empty key, as in dbt)."""
    return os.environ.get(KEY_ENV, DEV_KEY)


def using_dev_key() -> bool:
    return hash_key() == DEV_KEY


def pii_hash(value: str, key: str | None = None) -> str:
    """The keyed hash of `value` (already normalised by the caller), as dbt computes it."""
    key = hash_key() if key is None else key
    inner = hashlib.sha256(f"{key}|{value}".encode()).hexdigest()
    return hashlib.sha256(f"{key}|{inner}".encode()).hexdigest()


def key_fingerprint(key: str | None = None) -> str:
    """A short, non-reversible name of the key, stored next to hashes made with it, so a run
    with another key is detected instead of silently failing to match."""
    key = hash_key() if key is None else key
    return hashlib.sha256(f"pii-hash-key-fingerprint|{key}".encode()).hexdigest()[:16]


def customer_token(customer_id: int, key: str | None = None) -> str:
    """Keyed hash identifying a customer id in the suppression list and the erasure log."""
    return pii_hash(f"customer_id:{int(customer_id)}", key)


def anonymous_token(anonymous_id: str, key: str | None = None) -> str:
    """Keyed hash identifying a web-tracking anonymous_id in the suppression list."""
    return pii_hash(f"anonymous_id:{anonymous_id.strip()}", key)
