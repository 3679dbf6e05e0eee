"""One module per blueprint; templates in templates/<blueprint>/."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import main

    app.register_blueprint(main.bp)
