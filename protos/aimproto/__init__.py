"""Generated wire contract of aimd; see protos/aimproto/v1/*.proto."""
