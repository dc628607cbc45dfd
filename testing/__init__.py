"""Helpers shared by nbgate's tests (not shipped in the package)."""
