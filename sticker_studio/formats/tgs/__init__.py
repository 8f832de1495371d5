"""Telegram animated stickers (``.tgs``: gzipped Lottie JSON) from flat drawings.

* :mod:`.trace` turns the drawing's subject into filled bezier paths (vtracer, MIT);
* :mod:`.lottie` writes them as one Lottie shape layer and packs keyframe channels;
* :mod:`.motion` samples a motion preset per frame into that layer's transform and
  searches tracing detail against the byte budget (:func:`.motion.drawing_to_tgs`);
* :mod:`.rules` checks any ``.tgs`` against Telegram's rules (no rendering needed);
* :mod:`.render` renders a ``.tgs`` with rlottie-python (LGPL, imported only) to compare
  it with the raster sticker.

No torch, no Qt, and not the AGPL ``lottie`` package.
"""
