"""Operations: /healthz, /readyz, and (in admin mode only) /admin/rebuild and /admin/reload behind a token.

A rebuild runs `kg build` in a child process (a failed build leaves the store as it was), then moves the
query workers onto the new data; queries keep being answered from the old data meanwhile.
"""

from __future__ import annotations

import hmac
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from api.services import services
from kg.config import Config
from kg.store import open_store

bp = Blueprint("admin", __name__)
ops = Blueprint("ops", __name__)


@dataclass
class AdminState:
    """What the last rebuild or reload did, for GET /admin/status."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    running: str | None = None
    last: dict = field(default_factory=dict)


@ops.get("/healthz")
def healthz() -> Response:
    """The process answers HTTP (liveness)."""
    return jsonify(status="ok")


@ops.get("/readyz")
def readyz() -> Response:
    """The server can answer queries: the store opens and a query worker is alive (readiness). The store is
    opened afresh here, beside the one the process holds, to see that its files are still there."""
    served = services()
    workers = served.executor.status()
    views = served.warm_up
    body = {
        "version": served.version,
        "query_workers": workers,
        "network_views": "ready" if views is None or not views.is_alive() else "preparing",
    }
    config: Config = current_app.config["KG"]
    try:
        with open_store(config, read_only=True) as store:
            body["store"] = store.version or "unversioned"
    except Exception as e:  # noqa: BLE001 - any failure to open means not ready, with the reason
        body["store"] = f"cannot open: {e}"
        return jsonify(status="not ready", **body), 503
    if workers["idle"] + workers["busy"] == 0:
        return jsonify(status="not ready", **body), 503
    return jsonify(status="ready", **body)


@bp.before_request
def require_token() -> Response | None:
    token = current_app.config["KG"].admin_token
    sent = request.headers.get("Authorization", "")
    scheme, _, value = sent.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        return Response(
            "admin requests need 'Authorization: Bearer <KG_ADMIN_TOKEN>'\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="coopkg admin"'},
        )
    return None


def _state() -> AdminState:
    return current_app.extensions["coopkg_admin"]


@bp.get("/admin/status")
def status() -> Response:
    state = _state()
    return jsonify(running=state.running, last=state.last, version=services().version)


@bp.post("/admin/reload")
def reload() -> Response:
    """Serve the store's current data (after a `kg build` or `kg load` run beside the server)."""
    state = _state()
    if not state.lock.acquire(blocking=False):
        return jsonify(error=f"busy: a {state.running} is running"), 409
    try:
        state.running = "reload"
        version = services().reload()
        state.last = {"action": "reload", "ok": True, "version": version}
        return jsonify(state.last)
    finally:
        state.running = None
        state.lock.release()


@bp.post("/admin/rebuild")
def rebuild() -> Response:
    """Rebuild the store from KG_DATA (or the bundled data) in the background; 202, then GET /admin/status."""
    state = _state()
    if not state.lock.acquire(blocking=False):
        return jsonify(error=f"busy: a {state.running} is running"), 409
    state.running = "rebuild"
    app = current_app._get_current_object()
    threading.Thread(target=_rebuild, args=(app, state), name="kg-rebuild", daemon=True).start()
    return jsonify(started="rebuild", status="/admin/status"), 202


def _rebuild(app: Flask, state: AdminState) -> None:
    config: Config = app.config["KG"]
    command = [sys.executable, "-m", "kg", "--store", config.store, "--base-iri", config.base_iri, "build", "-q"]
    started = time.monotonic()
    try:
        done = subprocess.run([*command, *config.data_paths], capture_output=True, text=True, check=False)
        result = {"action": "rebuild", "ok": done.returncode == 0, "output": (done.stdout + done.stderr)[-4000:]}
        if done.returncode == 0:
            result["version"] = app.extensions["coopkg"].reload()
    except Exception as e:  # noqa: BLE001 - reported through /admin/status
        result = {"action": "rebuild", "ok": False, "output": str(e)}
    result["seconds"] = round(time.monotonic() - started, 1)
    state.last = result
    app.logger.info("admin rebuild: %s", "done" if result["ok"] else "failed")
    state.running = None
    state.lock.release()
