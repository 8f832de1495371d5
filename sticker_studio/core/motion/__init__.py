"""Motion presets with no model: the presets, their poses as functions of phase, and rendering."""
