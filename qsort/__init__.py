"""qsort: the web app (studies, sorting, interviews, the researcher's studio).

The analysis engine lives in the separate ``analysis`` package, which never imports from here.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import config as config_module


def _asset_folder(name: str) -> str:
    """Find ``templates/`` or ``static/``: beside the package when installed, at the repository top in a checkout."""
    installed = Path(__file__).resolve().parent / name
    if installed.is_dir():
        return str(installed)
    return str(Path(__file__).resolve().parent.parent / name)


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: configuration, database, CSRF, translations, blueprints."""
    from .requestlog import QsortFlask  # Flask, logging its errors without participants' tokens

    app = QsortFlask(
        __name__,
        instance_relative_config=True,
        template_folder=_asset_folder("templates"),
        static_folder=_asset_folder("static"),
    )
    config_module.load(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    from . import db, errors, i18n, requestlog, security

    from .draft_wsgi import DraftSaver

    # The autosave's usual case is answered in front of Flask (qsort/draft_wsgi.py); inside ProxyFix, so it sees the
    # scheme and host the proxy reports, as the app does.
    app.wsgi_app = DraftSaver(app, app.wsgi_app)
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Believe X-Forwarded-For/-Proto/-Host/-Prefix from exactly this many proxies (QSORT_PROXY_FIX), never more.
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    requestlog.init_app(app)  # first, so its clock starts before any other hook runs
    db.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)  # 404 page (JSON under /api/) and CSRF failures

    from .blueprints import register_blueprints

    register_blueprints(app)
    return app
