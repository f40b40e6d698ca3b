"""Framework integrations behind Aim's import paths (aim.pytorch_lightning, aim.sdk.adapters.keras, ...).

Each framework module here imports its framework at its top; the public modules reach them only
through `_lazy.forward`, so `import aim.keras` imports nothing heavy and `from aim.keras import
AimCallback` raises an ImportError naming the missing package. The shared modules: `_lazy`
(lazy access, the missing-package error), `_values` (which logged values are tracked, one
warning for the rest), `_runs` (the run an integration tracks into).
"""
