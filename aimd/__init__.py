"""aimd: the daemon that owns one Aim repository and serves it over gRPC."""

__version__ = "0.1.0"
