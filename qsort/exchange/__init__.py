"""A study's data in and out: file exports, imports of sorts, and the whole-study JSON.

- :mod:`.exports`: one file of the complete sorts (our CSV, PQMethod, Ken-Q, KADE, xlsx) or the whole study;
- :mod:`.imports`: sorts from a file added to a study, all or nothing;
- :mod:`.study_json`: the whole study as JSON, and a new study made from it on another installation.

The score matrix the exports start from (complete sorts only, never preview participants) is
:mod:`qsort.matrix`. Everything a caller needs is importable from here: ``from qsort import exchange``.
"""
from __future__ import annotations

from .errors import ExchangeError
from .exports import EXPORT_FORMATS, ExportFile, export_study, file_stem, study_xlsx
from .imports import IMPORT_SUFFIXES, MAX_UNZIPPED_BYTES, ImportReport, import_sorts, match_statements, read_upload
from .study_json import (STUDY_FIELDS, STUDY_JSON_FORMAT, STUDY_JSON_VERSION, StudyImportReport, find_owner,
                         study_from_json, study_to_json)

__all__ = ["EXPORT_FORMATS", "IMPORT_SUFFIXES", "MAX_UNZIPPED_BYTES", "STUDY_FIELDS", "STUDY_JSON_FORMAT",
           "STUDY_JSON_VERSION", "ExchangeError", "ExportFile", "ImportReport", "StudyImportReport", "export_study",
           "file_stem", "find_owner", "import_sorts", "match_statements", "read_upload", "study_from_json",
           "study_to_json", "study_xlsx"]
