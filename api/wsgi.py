"""The WSGI application for HTTP servers other than `kg serve`'s own granian (gunicorn, Waitress), configured
from the environment like `kg serve`: `gunicorn api.wsgi:app`, `waitress-serve api.wsgi:app`.
bench/endpoint.py measures each; bench/README.md says which `kg serve` uses and why."""

from __future__ import annotations

from api import create_app

app = create_app()
