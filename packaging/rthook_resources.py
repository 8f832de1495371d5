"""PyInstaller runtime hook: point the app at the resources bundled beside it."""
import os
import sys

os.environ.setdefault("STICKER_STUDIO_RESOURCES", os.path.join(sys._MEIPASS, "resources"))
os.environ.setdefault("STICKER_STUDIO_MANIFEST", os.path.join(sys._MEIPASS, "models_manifest.json"))
