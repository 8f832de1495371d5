"""Offline GPU kits: the kit format (pack here), the shared setup, and the runner (train there)."""
