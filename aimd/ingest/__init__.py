"""Ingest: every write to the store goes through the single writer in this package."""
