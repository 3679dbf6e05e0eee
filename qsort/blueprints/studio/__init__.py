"""The researcher's studio: studies, statements, grid, questions, participants, data in and out.

One blueprint in a few modules, because it is large. ``blueprint`` defines it and what every view shares (the
researchers-only check before every request, ``load_study``, which answers 404 for a study that is not the
user's own or shared with them, and ``save_form``); ``forms`` holds the forms; the views are in ``studies``
(the study as a whole: list, overview, lifecycle, texts, settings, sharing), ``statements``, ``grid``,
``questions``, ``participants`` (invites, progress), ``mail`` (e-mail invitations) and ``data`` (exports and
imports).
"""
from __future__ import annotations

from . import data, grid, mail, participants, questions, statements, studies  # noqa: F401 (the views register on bp)
from .blueprint import bp

__all__ = ["bp"]
