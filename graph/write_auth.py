"""Bearer tokens for writes: only their SHA-256 digests are configured, compared in constant time.

``GOVKG_WRITE_TOKENS`` lists digests (``govkg hash-token`` prints one), each optionally named
(``name:digest``); the name is the agent recorded in the change log. The token itself is never
stored, logged or echoed. Pure standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

__all__ = ["hash_token", "new_token", "token_agent"]


def hash_token(token: str) -> str:
    """The digest to configure for ``token``.

    >>> hash_token("s3cret")[:16]
    '1ec1c26b50d5d3c5'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_agent(token: str, configured: Iterable[str]) -> str | None:
    """The agent name of ``token`` if its digest is configured, else None.

    >>> token_agent("s3cret", ["alice:" + hash_token("s3cret")])
    'alice'
    >>> token_agent("wrong", [hash_token("s3cret")]) is None
    True
    """
    digest = hash_token(token)
    found = None
    for entry in configured:
        name, _, expected = entry.rpartition(":")
        # Every entry is compared, so the time taken does not say which one matched.
        if hmac.compare_digest(digest, expected.strip().lower()):
            found = name or f"token-{expected[:8]}"
    return found
