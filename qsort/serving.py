"""Serving qsort in production: gunicorn with N worker processes (``qsort serve --workers N``).

Why gunicorn: Flask's own server is one process, so every request of every participant shares one core; a few
hundred customers sorting in the same hour need several processes, restarted when one dies or hangs. Gunicorn
does exactly that (pre-fork, a master that replaces dead workers, graceful restarts on SIGHUP) and is pure Python.

Each worker builds its own app (and so its own database connections) after the fork. Gunicorn's access log stays
off: qsort logs every request itself with participants' tokens removed (qsort/requestlog.py). Gunicorn trusts no
``X-Forwarded-*`` header either: that is ``QSORT_PROXY_FIX``'s job, in one place.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication


class GunicornServer(BaseApplication):
    """Gunicorn running the WSGI app returned by ``factory`` (called once in each worker)."""

    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        return warmed_up(self.factory())


def warmed_up(app: Any) -> Any:
    """``app`` with every template compiled, before the worker takes its first request.

    Why: Jinja compiles a template on its first use, in each worker: ~15-50 ms of CPU per page template, ~0.6 s per
    worker for them all. Left to the first requests, that lands on the first customers after every start or
    restart, and on all of them at once when an invitation mail goes out (4 workers compiling at the same moment
    on a 2-core machine). Compiled here, it is part of the worker's boot instead."""
    environment = app.jinja_env
    for name in environment.list_templates(extensions=["html"]):
        environment.get_template(name)
    return app


def gunicorn_options(host: str, port: int, workers: int, threads: int = 1, timeout: int = 30) -> dict[str, Any]:
    """Gunicorn's settings for qsort: ``workers`` processes of ``threads`` threads each on ``host:port``."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,  # > 1 switches gunicorn to its threaded worker (gthread)
        "timeout": timeout,  # a worker silent this long is killed and replaced
        "graceful_timeout": 30,
        "accesslog": None,
        "errorlog": "-",
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        "control_socket_disable": True,  # no socket file in $HOME shared by every gunicorn on the machine
        "proc_name": "qsort",
    }


def run(factory: Callable[[], Any], host: str, port: int, workers: int, threads: int = 1, timeout: int = 30) -> None:
    """Serve until stopped (SIGTERM or Ctrl-C: finish the requests in flight, then exit)."""
    GunicornServer(factory, gunicorn_options(host, port, workers, threads, timeout)).run()
