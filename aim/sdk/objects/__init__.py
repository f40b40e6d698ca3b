"""Aim's tracked-object classes at their documented paths (aim.sdk.objects.image, ...)."""
