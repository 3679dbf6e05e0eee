"""The participant's flow: no login, the token in the link is the key."""
from flask import Blueprint

bp = Blueprint("respond", __name__, url_prefix="/s")
