"""Prometheus metrics at /metrics (prometheus-client, in its text format): requests by route, method and
status with their latencies, queries stopped at the time limit, query workers replaced, and the result
cache's hits. One registry per app, so two apps in one process (the tests) count apart."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

bp = Blueprint("metrics", __name__)

#: Latency buckets in seconds: a cached answer takes about a millisecond, a query up to the time limit.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _Served:
    """Reads the web process's services at each scrape: workers, replacements, the result cache."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        served = self.app.extensions.get("coopkg")
        if served is None:
            return
        replaced = CounterMetricFamily(
            "coopkg_query_worker_replacements", "Query workers stopped (at the time limit, or lost) and replaced"
        )
        replaced.add_metric([], served.executor.replaced)
        yield replaced
        workers = GaugeMetricFamily("coopkg_query_workers", "Query workers by state", labels=["state"])
        for state, count in served.executor.status().items():
            workers.add_metric([state], count)
        yield workers
        cache = served.results
        for name, value, text in (("hits", cache.hits, "answered from"), ("misses", cache.misses, "not found in")):
            family = CounterMetricFamily(f"coopkg_result_cache_{name}", f"SPARQL results {text} the result cache")
            family.add_metric([], value)
            yield family
        held = GaugeMetricFamily("coopkg_result_cache_bytes", "Bytes of results the result cache holds")
        held.add_metric([], cache.size)
        yield held


class Metrics:
    """The app's counters and histograms."""

    def __init__(self, app: Flask):
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
        self.registry.register(_Served(app))


def install(app: Flask) -> None:
    """Count every request of `app` and serve /metrics."""
    metrics = app.extensions["coopkg_metrics"] = Metrics(app)

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
        return response

    app.register_blueprint(bp)


def query_stopped() -> None:
    """A query ran past the time limit and its worker was stopped."""
    current_app.extensions["coopkg_metrics"].stopped.inc()


@bp.get("/metrics")
def scrape() -> Response:
    return Response(
        generate_latest(current_app.extensions["coopkg_metrics"].registry), content_type=CONTENT_TYPE_LATEST
    )
