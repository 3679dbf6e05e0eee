"""One module per blueprint; templates in templates/<blueprint>/."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import auth, interview, main, respond, results, studio

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(studio.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(interview.bp)
