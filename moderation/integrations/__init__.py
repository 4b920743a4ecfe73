"""Other systems' protocols spoken by this service: Coral Talk's external moderation phase and the
Perspective API. Pure mapping and storage; the HTTP routes are in `moderation/api/integration_routes.py`."""
