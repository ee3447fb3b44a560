"""The govkg error tree: each error type maps to one HTTP status and one CLI exit code."""


class GovkgError(Exception):
    """Base of every error govkg raises on purpose."""


class BadQuery(GovkgError):
    """The SPARQL text does not parse or uses something we refuse (SERVICE, remote FROM)."""


class QueryTimeout(GovkgError):
    """Evaluation was stopped at the time limit."""


class NotFound(GovkgError):
    """No such entity, query or store."""


class StoreMissing(NotFound):
    """No built store yet: run `govkg build`."""


class BuildFailed(GovkgError):
    """The inputs do not compile or do not conform; the served store was left as it was."""


class ShapeViolation(GovkgError):
    """Data that violates the SHACL shapes."""
