"""Aim's import path for the system resource tracker's settings."""

from aim.ext.resource.configs import AIM_RESOURCE_METRIC_PREFIX, DEFAULT_SYSTEM_TRACKING_INT

__all__ = ["AIM_RESOURCE_METRIC_PREFIX", "DEFAULT_SYSTEM_TRACKING_INT"]
