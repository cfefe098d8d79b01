"""``narrascope serve``: the corpus web UI (FastAPI, pages rendered on the server, no JavaScript).

    from narrascope.web import create_app
    app = create_app("corpus.db", token=None)   # then: uvicorn.run(app, host="127.0.0.1")

Modules: ``app`` (create_app: access control, security headers, error answers), ``views/`` (one
module per page), ``corpus`` (store worker threads and the result cache), ``params`` (reading query
parameters), ``responses`` (HTML, JSON and CSV answers, links), ``settings`` (the settings table),
``charts`` (SVG charts and graph layout); Jinja2 templates in ``templates/``, CSS in ``static/``.
"""

from .app import create_app

__all__ = ["create_app"]
