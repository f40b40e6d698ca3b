"""Settings of system resource tracking, under Aim's names (aim.ext.resource.configs)."""

AIM_RESOURCE_METRIC_PREFIX = "__system__"  # system metrics are named __system__cpu, __system__gpu, ...
DEFAULT_SYSTEM_TRACKING_INT = 10  # seconds between two samples, Run(system_tracking_interval=...)
STAT_INTERVAL_MIN = 0.1  # seconds; an interval outside [MIN, MAX] turns sampling off, with a warning
STAT_INTERVAL_MAX = 24 * 60 * 60.0
TERMINAL_LOGS_NAME = "logs"  # the text sequence holding captured terminal output, one line a step
SYSTEM_PARAMS_KEY = "__system_params"  # run[SYSTEM_PARAMS_KEY]: packages, env, git, executable, argv
