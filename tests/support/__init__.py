"""Shared test helpers: server processes on loopback ports, trained versions in private directories, what the
README promises."""
