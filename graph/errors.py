"""The govkg error tree: each error type maps to one HTTP status and one CLI exit code.

``status`` on each class is the HTTP status the API answers with (``api/errors.py`` reads it;
no other module maps errors to statuses). Subclasses inherit their parent's status.
"""


class GovkgError(Exception):
    """Base of every error govkg raises on purpose."""

    status = 500


class BadQuery(GovkgError):
    """The SPARQL text does not parse or uses something we refuse (SERVICE, remote FROM)."""

    status = 400


class QueryRefused(BadQuery):
    """A well-formed query that asks for something the service never does: SERVICE, LOAD or
    another update, FROM / FROM NAMED of a graph outside the dataset."""


class QueryTimeout(GovkgError):
    """Evaluation was stopped at the time limit (or no worker was free before it).

    503, as Fuseki answers a cancelled query: the service could not produce this answer in the
    time it allows; 504 would claim an upstream gateway failed, and there is none.
    """

    status = 503


class EvaluationFailed(GovkgError):
    """The evaluating process died or the store could not be read: a server fault."""


class NotFound(GovkgError):
    """No such entity, query or store."""

    status = 404


class StoreMissing(NotFound):
    """No built store yet: run `govkg build`."""

    status = 503


class NotAcceptable(GovkgError):
    """No representation the client accepts (Accept / format=) is offered for this resource."""

    status = 406


class UnsupportedMediaType(GovkgError):
    """A request body in a media type the route does not read."""

    status = 415


class PayloadTooLarge(GovkgError):
    """A request body over the configured size cap."""

    status = 413


class BuildFailed(GovkgError):
    """The inputs do not compile or do not conform; the served store was left as it was."""


class ShapeViolation(GovkgError):
    """Data that violates the SHACL shapes."""

    status = 422


class WriteRejected(ShapeViolation):
    """A write whose result would violate the shapes; nothing was changed. ``report`` is the
    SHACL validation report (``graph.validation.ValidationReport``) of the would-be dataset."""

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class Forbidden(GovkgError):
    """A write this service does not take (no writer configured)."""

    status = 403

