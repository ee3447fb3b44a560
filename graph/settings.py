"""Settings read from the environment once, by whoever starts the program — never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Where the inputs and the store live, and how the service behaves.

    Every field has an environment variable ``GOVKG_<FIELD>``; the README lists them. Service
    (defaults in brackets): ``GOVKG_HOST`` [127.0.0.1], ``GOVKG_PORT`` [8000],
    ``GOVKG_DATA_DIR`` [var/: stores and the server's snapshot], ``GOVKG_BASE_IRI``
    [https://govkg.example/], ``GOVKG_QUERY_TIMEOUT`` [30 s per query],
    ``GOVKG_MAX_QUERY_TIMEOUT`` [120 s, the cap of ``timeout=``], ``GOVKG_MAX_RESULTS``
    [100000 rows or triples per answer], ``GOVKG_MAX_BODY_BYTES`` [1000000],
    ``GOVKG_WORKERS`` [2 query worker processes], ``GOVKG_WORKER_MEMORY_MB`` [2048 MB of
    address space per worker; 0 = no cap], ``GOVKG_LICENSE`` [the dataset licence IRI,
    CC BY 4.0]. Writes (off unless tokens are given): ``GOVKG_WRITE_TOKENS`` [none: a
    comma-separated list of SHA-256 hex digests of bearer tokens, each optionally ``name:digest``;
    ``govkg hash-token`` prints one], ``GOVKG_WRITE_SHAPES`` [1: gate writes on the SHACL shapes;
    0 only for a conformance-test instance], ``GOVKG_WRITE_MODE`` [govkg: the primary is seeded
    from the build, its default graph is the union and writes are logged in the store; plain:
    an empty store whose default graph is its own, no change log — the instance the W3C suite
    loads through the Graph Store Protocol].
    """

    root: Path = PROJECT_ROOT
    data_dir: Path = PROJECT_ROOT / "var"
    seeds: Path = PROJECT_ROOT.parent / "shared" / "seeds"
    host: str = "127.0.0.1"
    port: int = 8000
    base_iri: str = "https://govkg.example/"
    query_timeout: float = 30.0
    max_query_timeout: float = 120.0
    max_results: int = 100_000
    max_body_bytes: int = 1_000_000
    workers: int = 2
    worker_memory_mb: int = 2048
    license: str = "https://creativecommons.org/licenses/by/4.0/"
    write_tokens: tuple[str, ...] = ()
    write_shapes: bool = True
    write_mode: str = "govkg"
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        root = _env_path("GOVKG_ROOT", PROJECT_ROOT)
        return cls(
            root=root,
            data_dir=_env_path("GOVKG_DATA_DIR", root / "var"),
            seeds=_env_path("GOVKG_SEEDS", root.parent / "shared" / "seeds"),
            host=os.environ.get("GOVKG_HOST", "127.0.0.1"),
            port=int(os.environ.get("GOVKG_PORT", "8000")),
            base_iri=os.environ.get("GOVKG_BASE_IRI", "https://govkg.example/"),
            query_timeout=float(os.environ.get("GOVKG_QUERY_TIMEOUT", "30")),
            max_query_timeout=float(os.environ.get("GOVKG_MAX_QUERY_TIMEOUT", "120")),
            max_results=int(os.environ.get("GOVKG_MAX_RESULTS", "100000")),
            max_body_bytes=int(os.environ.get("GOVKG_MAX_BODY_BYTES", "1000000")),
            workers=int(os.environ.get("GOVKG_WORKERS", "2")),
            worker_memory_mb=int(os.environ.get("GOVKG_WORKER_MEMORY_MB", "2048")),
            license=os.environ.get("GOVKG_LICENSE", "https://creativecommons.org/licenses/by/4.0/"),
            write_tokens=tuple(
                t.strip() for t in os.environ.get("GOVKG_WRITE_TOKENS", "").split(",") if t.strip()
            ),
            write_shapes=os.environ.get("GOVKG_WRITE_SHAPES", "1").strip().lower()
            not in ("0", "false", "no", "off"),
            write_mode=os.environ.get("GOVKG_WRITE_MODE", "govkg").strip().lower(),
        )

    @property
    def store_link(self) -> Path:
        """Symlink to the store currently served; swapped atomically by a build."""
        return self.data_dir / "current"

    @property
    def ontology_file(self) -> Path:
        return self.root / "ontology" / "govkg.ttl"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "ontology" / "shapes"

    @property
    def graph_data_dir(self) -> Path:
        return self.root / "graph" / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"
