"""Prometheus metrics at /metrics (prometheus-client, in its text format): requests by route, method and
status with their latencies, queries stopped at the time limit, query workers replaced, and the result
cache's hits. One registry per app, so two apps in one process (the tests) count apart.

Under `kg serve`, which sets PROMETHEUS_MULTIPROC_DIR to a folder of its own, prometheus-client's
multiprocess mode keeps each web process's samples in a mapped file there and /metrics sums the files of
every process. The query workers and the result cache live in each process: it adds what changed to the
counters after each request, and sets the gauges each second and when it answers /metrics."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import values as prometheus_values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

bp = Blueprint("metrics", __name__)

#: Latency buckets in seconds: a cached answer takes about a millisecond, a query up to the time limit.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

#: Seconds between two settings of a web process's gauges (query workers by state, cache bytes) when several
#: processes share the metrics: the /metrics of another process may be this much behind.
GAUGES_EVERY = 1.0


def multiprocess_dir() -> str | None:
    """The folder of prometheus-client's multiprocess mode, when this process counts in it (the variable
    was set before prometheus-client was first imported), else None."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return folder if folder and prometheus_values.ValueClass is not prometheus_values.MutexValue else None


class Metrics:
    """The app's counters, histograms and gauges."""

    def __init__(self, app: Flask):
        self.app = app
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "coopkg_http_requests", "HTTP requests answered", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "coopkg_http_request_duration_seconds",
            "Time from request to response, by route",
            ["route", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.stopped = Counter(
            "coopkg_queries_stopped",
            "SPARQL queries stopped at the time limit (KG_QUERY_TIMEOUT)",
            registry=self.registry,
        )
        self.replaced = Counter(
            "coopkg_query_worker_replacements",
            "Query workers stopped (at the time limit, or lost) and replaced",
            registry=self.registry,
        )
        self.hits = Counter(
            "coopkg_result_cache_hits", "SPARQL results answered from the result cache", registry=self.registry
        )
        self.misses = Counter(
            "coopkg_result_cache_misses", "SPARQL results not found in the result cache", registry=self.registry
        )
        self.workers = Gauge(
            "coopkg_query_workers",
            "Query workers by state",
            ["state"],
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.held = Gauge(
            "coopkg_result_cache_bytes",
            "Bytes of results the result cache holds",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self._counted = [0, 0, 0]  # the replacements, hits and misses already added to the counters
        self._lock = threading.Lock()

    def count(self) -> None:
        """Add to the counters the replacements, cache hits and misses since the last call (cheap when none)."""
        served = self.app.extensions.get("coopkg")
        if served is None:
            return
        now = (served.executor.replaced, served.results.hits, served.results.misses)
        if list(now) == self._counted:
            return
        with self._lock:
            for i, counter in enumerate((self.replaced, self.hits, self.misses)):
                if now[i] > self._counted[i]:
                    counter.inc(now[i] - self._counted[i])
                    self._counted[i] = now[i]

    def set_gauges(self) -> None:
        """Set the gauges from the process's query workers and result cache."""
        served = self.app.extensions.get("coopkg")
        if served is None:
            return
        for state, number in served.executor.status().items():
            self.workers.labels(state).set(number)
        self.held.set(served.results.size)

    def _publish_gauges(self) -> None:
        """Set the gauges every GAUGES_EVERY seconds (a thread of each web process in multiprocess mode)."""
        while True:
            time.sleep(GAUGES_EVERY)
            try:
                self.set_gauges()
                self.count()
            except Exception:  # noqa: BLE001, S112 - a closing process; the next scrape sets them again
                continue


def install(app: Flask) -> None:
    """Count every request of `app` and serve /metrics."""
    metrics = app.extensions["coopkg_metrics"] = Metrics(app)
    if multiprocess_dir() is not None:
        threading.Thread(target=metrics._publish_gauges, name="kg-metrics-gauges", daemon=True).start()

    @app.before_request
    def start() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        metrics.requests.labels(route, request.method, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            metrics.latency.labels(route, request.method).observe(time.perf_counter() - started)
        metrics.count()
        return response

    app.register_blueprint(bp)


def query_stopped() -> None:
    """A query ran past the time limit and its worker was stopped."""
    current_app.extensions["coopkg_metrics"].stopped.inc()


def _forget_dead_processes(folder: str) -> None:
    """Drop the gauges of web processes that are gone (their counters stay: what they counted happened)."""
    for path in Path(folder).glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            mark_process_dead(pid, folder)
        except PermissionError:
            pass


@bp.get("/metrics")
def scrape() -> Response:
    metrics: Metrics = current_app.extensions["coopkg_metrics"]
    metrics.set_gauges()
    metrics.count()
    folder = multiprocess_dir()
    if folder is None:
        registry = metrics.registry
    else:  # the sum over every web process's file
        _forget_dead_processes(folder)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, folder)
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
