"""Dialogs: canvas, export, settings and the model manager (each opened from the main window)."""
