"""Aim's documented extension paths (aim.ext.resource, ...)."""
