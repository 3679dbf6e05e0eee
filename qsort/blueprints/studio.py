"""The researcher's studio: studies, statements, grid, participants, data in and out."""
from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio")
