"""The review queue's allowed state changes: one table, so every rule is visible in one place."""

from __future__ import annotations

PENDING, CLAIMED, DECIDED, SUPERSEDED = "pending", "claimed", "decided", "superseded"

# (state, action) -> next state. Anything not here is refused with a 409.
TRANSITIONS: dict[tuple[str, str], str] = {
    (PENDING, "claim"): CLAIMED,
    (CLAIMED, "release"): PENDING,
    (CLAIMED, "expire"): PENDING,  # the lease ran out; the item goes back to the queue
    (PENDING, "decide"): DECIDED,
    (CLAIMED, "decide"): DECIDED,  # only the holder of the lease, or anyone once it expired
    (DECIDED, "reopen"): PENDING,  # admins only
}
# A new revision of the comment supersedes its open item; that is the engine's move, not a person's.
OPEN_STATES = (PENDING, CLAIMED)


class IllegalTransition(ValueError):
    """The action is not allowed from the item's current state (or someone else got there first)."""


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(f"cannot {action} an item that is {state}") from None
