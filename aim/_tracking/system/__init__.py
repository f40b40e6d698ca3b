"""What a tracking Run records about its process: system metrics, terminal logs, system params."""
