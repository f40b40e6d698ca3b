"""Aim's documented import paths under aim.storage (aim.storage.context): aliases only."""
