"""``narrascope serve``: the corpus web UI (FastAPI, pages rendered on the server, no JavaScript).

    from narrascope.web import create_app
    app = create_app("corpus.db", token=None)   # then: uvicorn.run(app, host="127.0.0.1")
"""

from .app import create_app

__all__ = ["create_app"]
