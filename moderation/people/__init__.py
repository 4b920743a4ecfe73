"""People who work the service: moderators, admins, data staff; their sessions and logins."""

from moderation.people.sessions import (
    ActiveSession,
    end_session,
    find_session,
    login_allowed,
    record_login,
    start_session,
)
from moderation.people.users import (
    ROLES,
    Person,
    UserError,
    create_user,
    list_users,
    set_disabled,
    set_password,
    set_role,
    verify_password,
)

__all__ = [
    "ROLES",
    "ActiveSession",
    "Person",
    "UserError",
    "create_user",
    "end_session",
    "find_session",
    "list_users",
    "login_allowed",
    "record_login",
    "set_disabled",
    "set_password",
    "set_role",
    "start_session",
    "verify_password",
]
