"""The domain's words, defined once: the steps of a participant's flow, the states of a sort, what counts as a
complete sort, who is a preview participant, the languages, and the defaults a new study starts from.

Every other module (rules, views, exports, the demo) takes these names from here, so two pages can never
disagree about what "completed" or "preview" means. No views here; the few texts a person reads go through
:func:`qsort.i18n.text` (the request's language, or English outside a request).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from .i18n import text as _

# -- the participant's flow -----------------------------------------------------------------------------------

# Every step a flow can have, in order. A study skips the ones it has nothing for (responses.steps_for).
STEPS = ("welcome", "pre_questions", "instructions", "presort", "grid", "postsort", "questions", "done")
# The two steps of the sorting page (one page, two phases).
SORTING_STEPS = ("presort", "grid")
# The three pre-sort piles, in the order the page shows them.
PILES = ("agree", "neutral", "disagree")


def step_position(step: str) -> int:
    """Where ``step`` stands in :data:`STEPS` (an unknown step sorts after every known one)."""
    return STEPS.index(step) if step in STEPS else len(STEPS)


# -- sorts -----------------------------------------------------------------------------------------------------

# A sort moves through these states: consent given -> pre-sort done -> grid submitted -> last step done.
SORT_STATES = ("started", "presorted", "sorted", "submitted")
# A *complete sort*: the grid was submitted, so the Q-sort is final. Complete sorts are what the studio counts
# as completed (overview, study list, Data tab), what every export holds and what the analysis reads, even when
# the participant has not answered the questions after the sort yet.
COMPLETE_STATES = ("sorted", "submitted")
# The participant went through every step (the thank-you page): their link is used up.
FINISHED_STATE = "submitted"


def is_complete(sort) -> bool:
    """True for a complete sort (grid submitted; see :data:`COMPLETE_STATES`); False for None."""
    return sort is not None and sort.state in COMPLETE_STATES


def is_finished(sort) -> bool:
    """True once the participant has done the last step (see :data:`FINISHED_STATE`); False for None."""
    return sort is not None and sort.state == FINISHED_STATE


# -- participants ----------------------------------------------------------------------------------------------

# The studio's own walk-through of a study (Participant.source). Preview participants may go through a study in
# any status and are never counted, listed, exported or analysed.
PREVIEW = "preview"

# Where a sort came from (shown on the Data page; only "online" sorts have a time that means something, see
# qsort.progress.is_timed). A participant read from a file or simulated for the demo says so in
# Participant.source; otherwise Sort.source tells an online sort from one run by an interviewer or typed in from
# paper (models.SORT_SOURCES).
SORT_ORIGINS = ("online", "interview", "paper", "import", "demo")


def sort_origin(participant_source: str | None, sort_source: str | None) -> str:
    """One of :data:`SORT_ORIGINS` for a participant's and their sort's ``source`` fields.

    >>> sort_origin("import", "online"), sort_origin("invite", "paper"), sort_origin("open", "online")
    ('import', 'paper', 'online')
    """
    if participant_source in ("import", "demo"):
        return participant_source
    return sort_source if sort_source in SORT_ORIGINS else "online"


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# -- languages -------------------------------------------------------------------------------------------------

# The languages of the interface and of study content, each named in itself (for language menus).
LANGUAGES = {"en": "English", "nl": "Nederlands", "nb": "Norsk bokmål"}


def in_language(texts: Mapping[str, str] | str | None, language: str, fallback: str | None = None) -> str:
    """A text kept per language (``{language: text}``) in ``language``, else in ``fallback`` (usually the
    study's default language), else in any language it has; "" when it has none. A plain string is returned
    as it is (content written before it was translated).

    >>> in_language({"en": "Price", "nl": "Prijs"}, "nb", "en")
    'Price'
    """
    if isinstance(texts, str):
        return texts
    texts = texts or {}
    return (texts.get(language) or (texts.get(fallback) if fallback else None)
            or next((text for text in texts.values() if text), ""))


# -- what a new study starts from ------------------------------------------------------------------------------

# The grid a new study's editor shows before anything is saved: -4..+4.
DEFAULT_GRID_SCORES = tuple(range(-4, 5))

# Labels of the grid's two ends and of the three pre-sort piles (Study.labels), in the order the studio shows them.
LABEL_NAMES = ("most", "least", *PILES)


def default_labels() -> dict[str, str]:
    """What participants see where the study has no label of its own (in the request's language)."""
    return {"most": _("Most important"), "least": _("Least important"), "agree": _("More important"),
            "neutral": _("Neutral"), "disagree": _("Less important")}


def study_labels(study, language: str) -> dict[str, str]:
    """The study's labels (:data:`LABEL_NAMES`) in ``language``: its own text in that language, else in its
    default language, else the default label."""
    defaults = default_labels()
    own = study.labels or {}
    return {name: (own.get(name) or {}).get(language) or (own.get(name) or {}).get(study.default_language)
            or defaults[name] for name in LABEL_NAMES}
