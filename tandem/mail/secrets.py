"""Mailbox passwords at rest: encrypted with a key derived from the desk's SECRET_KEY.

Fernet (AES-128-CBC with HMAC-SHA256) under a key that HKDF-SHA256 derives from the secret
key, so the database alone never reveals a password. The flip side: once TANDEM_SECRET_KEY
changes, passwords saved under the old key can no longer be read and must be typed again
(SecretUnreadable says so). Keys listed in Django's SECRET_KEY_FALLBACKS still decrypt, and
saving a mailbox always encrypts with the current key.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Fixed and public: they only separate this key from anything else derived from the secret.
_SALT = b"tandem.mail.secrets"
_INFO = b"mailbox passwords v1"

UNREADABLE = (
    "The stored password cannot be decrypted: the desk's secret key (TANDEM_SECRET_KEY) "
    "changed after it was saved. Type the password again in the mailbox settings."
)


class SecretUnreadable(Exception):
    """The ciphertext was made under another secret key (or is damaged)."""

    def __init__(self, message: str = UNREADABLE):
        super().__init__(message)


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(plain: str) -> str:
    """The text to store; an empty secret stays empty (no password set)."""
    if not plain:
        return ""
    return _fernet(settings.SECRET_KEY).encrypt(plain.encode()).decode("ascii")


def decrypt_secret(token: str) -> str:
    """The stored secret in clear; SecretUnreadable when no known key opens it."""
    if not token:
        return ""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]
    try:
        return MultiFernet([_fernet(k) for k in keys]).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        raise SecretUnreadable() from None


def secret_readable(token: str) -> bool:
    try:
        decrypt_secret(token)
    except SecretUnreadable:
        return False
    return True
