"""Aim's framework integrations (aim.sdk.adapters.keras, ...): each imports its framework lazily."""
