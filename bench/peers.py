"""The peer servers the harness starts next to govkg: ``python -m bench.peers KIND PORT DATA``.

- ``rdflib-endpoint``: the endpoint a Python user would pick (rdflib-endpoint on an rdflib
  Dataset whose default graph is the union of the named graphs), serving the same N-Quads.
- ``oxigraph``: the floor of our stack: a bare FastAPI route over a read-only pyoxigraph store
  (the very store govkg built, its merged default graph), answering SPARQL JSON, no workers,
  no negotiation, no limits.
- ``trivial``: a FastAPI route answering ``ok``: the HTTP floor of the machine.

Only loopback; each runs until it is terminated.
"""

from __future__ import annotations

import sys
from pathlib import Path


def rdflib_endpoint_app(data: str):  # noqa: ANN201 - FastAPI app
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    dataset = Dataset(default_union=True)
    dataset.parse(data, format="nquads")
    return SparqlEndpoint(graph=dataset, path="/sparql", cors_enabled=False)


def oxigraph_app(data: str):  # noqa: ANN201
    import pyoxigraph as ox
    from fastapi import FastAPI, Query, Response

    store = ox.Store.read_only(data)
    # A govkg store holds the union of the named graphs in its default graph (a serving aid);
    # query it directly, as govkg does, rather than through pyoxigraph's slower union flag.
    union = not (Path(data) / "govkg-default-graph-is-merge").exists()
    app = FastAPI()

    @app.get("/sparql")
    def sparql(query: str = Query(...)) -> Response:
        results = store.query(query, use_default_graph_as_union=union)
        if isinstance(results, ox.QueryTriples):
            body = results.serialize(format=ox.RdfFormat.TURTLE)
            return Response(body, media_type="text/turtle")
        body = results.serialize(format=ox.QueryResultsFormat.JSON)
        return Response(body, media_type="application/sparql-results+json")

    return app


def trivial_app():  # noqa: ANN201
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    @app.get("/")
    def ok() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app


def main(argv: list[str]) -> None:
    import uvicorn

    kind, port = argv[0], int(argv[1])
    data = argv[2] if len(argv) > 2 else ""
    app = {
        "rdflib-endpoint": lambda: rdflib_endpoint_app(data),
        "oxigraph": lambda: oxigraph_app(data),
        "trivial": trivial_app,
    }[kind]()
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])
