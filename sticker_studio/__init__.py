"""Sticker Studio: make animated sticker packs locally.

Layering (arrows point one way): ``ui`` -> ``engine`` -> ``formats`` -> ``core``.
``core`` and ``formats`` never import torch or Qt.
"""

__version__ = "0.1.0"
