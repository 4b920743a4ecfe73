"""The feedback loop: human decisions become labelled data and evidence for a site's thresholds."""

from moderation.feedback.calibrate import (
    Calibration,
    CategoryProposal,
    Reviewed,
    Simulation,
    Thresholds,
    calibrate,
    current_thresholds,
    policy_with,
    propose_reject,
    propose_review,
    reviewed_items,
    simulate,
)
from moderation.feedback.export import ExportResult, derive_labels, export_feedback, read_records, write_records

__all__ = [
    "Calibration",
    "CategoryProposal",
    "ExportResult",
    "Reviewed",
    "Simulation",
    "Thresholds",
    "calibrate",
    "current_thresholds",
    "derive_labels",
    "export_feedback",
    "policy_with",
    "propose_reject",
    "propose_review",
    "read_records",
    "reviewed_items",
    "simulate",
    "write_records",
]
