"""Operations: /healthz, /readyz, and (in admin mode only) /admin/rebuild and /admin/reload behind a token.

A rebuild runs `kg build` in a child process (a failed build leaves the store as it was), then moves the
query workers onto the new data; queries keep being answered from the old data meanwhile. Under several web
processes the lock and the status are shared (api.services.Shared) and a reload answers once every process
serves the new data.
"""

from __future__ import annotations

import hmac
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from api.services import Shared, services
from kg.config import Config
from kg.errors import KGError
from kg.store import open_store

bp = Blueprint("admin", __name__)
ops = Blueprint("ops", __name__)


@dataclass
class AdminState:
    """What the last rebuild or reload did, for GET /admin/status; with a shared folder, in any web process."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    running: str | None = None
    last: dict = field(default_factory=dict)
    shared: Shared | None = None

    def start(self, action: str) -> bool:
        """Take the lock for `action` (False: a rebuild or reload runs already, here or in another process)."""
        if not self.lock.acquire(blocking=False):
            return False
        if self.shared is not None and not self.shared.lock_admin():
            self.lock.release()
            return False
        self._set(action, self.status()[1])
        return True

    def finish(self, last: dict) -> None:
        self._set(None, last)
        if self.shared is not None:
            self.shared.unlock_admin()
        self.lock.release()

    def status(self) -> tuple[str | None, dict]:
        """What runs (or None) and what the last action did."""
        if self.shared is None:
            return self.running, self.last
        shared = self.shared.admin_status()
        return shared["running"], shared["last"]

    def busy(self) -> Response:
        return jsonify(error=f"busy: a {self.status()[0] or 'reload or rebuild'} is running"), 409

    def _set(self, running: str | None, last: dict) -> None:
        self.running, self.last = running, last
        if self.shared is not None:
            self.shared.set_admin_status(running, last)


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
        "process": os.getpid(),  # which web process answered (kg serve --processes N runs several)
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
    running, last = _state().status()
    return jsonify(running=running, last=last, version=services().version)


@bp.post("/admin/reload")
def reload() -> Response:
    """Serve the store's current data (after a `kg build` or `kg load` run beside the server), in every web
    process: the answer comes once all of them serve it."""
    state = _state()
    if not state.start("reload"):
        return state.busy()
    last: dict = {"action": "reload", "ok": False}
    try:
        last = {"action": "reload", "ok": True, **services().reload_everywhere()}
        return jsonify(last)
    except KGError as e:
        last["output"] = str(e)
        return jsonify(last), 503
    finally:
        state.finish(last)


@bp.post("/admin/rebuild")
def rebuild() -> Response:
    """Rebuild the store from KG_DATA (or the bundled data) in the background; 202, then GET /admin/status."""
    state = _state()
    if not state.start("rebuild"):
        return state.busy()
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
            result.update(app.extensions["coopkg"].reload_everywhere())
    except Exception as e:  # noqa: BLE001 - reported through /admin/status
        result = {"action": "rebuild", "ok": False, "output": str(e)}
    result["seconds"] = round(time.monotonic() - started, 1)
    app.logger.info("admin rebuild: %s", "done" if result["ok"] else "failed")
    state.finish(result)
