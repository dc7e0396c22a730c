"""The benchmark's URL conf: the product's (config/urls.py) and, under /bench/, the yardsticks."""

from __future__ import annotations

from django.urls import include, path

from config import urls as product

urlpatterns = [*product.urlpatterns, path("bench/", include("bench.urls"))]
handler404 = product.handler404
handler500 = product.handler500
