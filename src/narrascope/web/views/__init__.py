"""The web UI's pages, one module each (as Datasette lays out its views).

Each module has a ``router`` with its routes and, where the app warms its cache at startup, the
store calls its default page makes. A view reads its parameters (:mod:`..params`), asks the corpus
(``request.app.state.corpus``, a :class:`..corpus.Corpus`) and answers through :func:`..responses.respond`:
the same data as an HTML page, JSON (``?format=json``) or its main table as CSV (``?format=csv``).

- ``dashboard``: ``/``, totals, narratives and techniques over time, top labels, largest clusters
- ``search``: ``/search``, faceted full-text search with highlighted snippets
- ``documents``: ``/documents/{id}`` and its HTML report (``/documents/{id}/report``)
- ``clusters``: ``/clusters`` and ``/clusters/{id}``
- ``entities``: ``/entities`` and ``/entities/{name}``
- ``graphs``: ``/graphs/entities`` and ``/graphs/citations``
"""
