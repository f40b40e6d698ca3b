"""Aim's documented import paths (aim.sdk.run, aim.sdk.repo, ...): aliases of the public classes."""
