"""Sites, their keys and policies."""

from moderation.sites.registry import (
    SiteError,
    SiteInfo,
    authenticate,
    create_site,
    list_sites,
    rotate_key,
    set_policy,
)

__all__ = ["SiteError", "SiteInfo", "authenticate", "create_site", "list_sites", "rotate_key", "set_policy"]
