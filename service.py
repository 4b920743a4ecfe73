"""The ASGI entry point: `uvicorn service:app`. The only module that builds an app at import."""

from moderation.api import create_app

app = create_app()
