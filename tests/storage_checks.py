"""What "nothing half-written" means for the comment tables, as queries that must all come back empty."""

from __future__ import annotations

from sqlalchemy import Connection, text

# Each query lists the comments (or revisions) that an interrupted write would have left incomplete.
HALF_WRITTEN = {
    "revision count differs from the comment's": (
        "SELECT c.comment_id FROM comments c "
        "WHERE c.revision <> (SELECT count(*) FROM comment_revisions r WHERE r.comment_pk = c.id)"
    ),
    "revision without a decision": (
        "SELECT r.id FROM comment_revisions r WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.revision_pk = r.id)"
    ),
    "comment under review without a queue item": (
        "SELECT c.comment_id FROM comments c WHERE c.state = 'pending_review' AND NOT EXISTS "
        "(SELECT 1 FROM review_items i WHERE i.comment_pk = c.id AND i.state IN ('pending', 'claimed'))"
    ),
    "comment without its history event": (
        "SELECT c.comment_id FROM comments c WHERE NOT EXISTS (SELECT 1 FROM comment_events e WHERE e.comment_pk = c.id)"
    ),
}


def half_written(connection: Connection) -> dict[str, list[object]]:
    """Every incomplete write found, by kind; {} when the tables are consistent."""
    found = {}
    for problem, query in HALF_WRITTEN.items():
        rows = [row[0] for row in connection.execute(text(query))]
        if rows:
            found[problem] = rows
    return found
