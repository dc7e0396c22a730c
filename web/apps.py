from django.apps import AppConfig


class WebConfig(AppConfig):
    """The browser UI (issue 16): server-rendered pages over the same selectors and services as the
    API. It imports only selectors, services and forms; it queries no case data of its own."""

    name = "web"
    verbose_name = "Web UI"
