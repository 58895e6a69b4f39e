"""Governance: approving drafts, recorded reviews, readers' error reports and the review list."""
