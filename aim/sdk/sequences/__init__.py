"""Aim's sequence classes at their 3.x paths (aim.sdk.sequences.metric, ...): aliases only."""
