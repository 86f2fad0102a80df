"""Shared test helpers: real server processes on loopback ports."""
