from __future__ import annotations

from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark as an app, so that its ``bench_crypto`` command exists only under bench.settings."""

    name = "bench"
    verbose_name = "Benchmark"
