"""Conditional requests (RFC 9110 §13.1.2): does If-None-Match name the current ETag?

Every answer's ETag is the dataset version, so a match means "you already have this version".
"""

from __future__ import annotations

from fastapi import Request


def not_modified(request: Request, etag: str) -> bool:
    """True when a GET/HEAD carries ``If-None-Match`` with ``etag`` (weakly compared) or ``*``.

    Other methods never get 304 (for them a match would mean 412, which a read-only service
    has no use for).
    """
    if request.method not in ("GET", "HEAD"):
        return False
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags
