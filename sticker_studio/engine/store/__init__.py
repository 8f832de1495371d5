"""Where models live: the manifest, file verification, folder layout, the Hub, user models."""
