"""The automatic rig: the learned network's confident joints and face, the drawing's geometry for the rest.

:func:`auto_rig` is what the CLI and the app call when a drawing has no rig yet. It runs the
bundled rig network (:func:`~sticker_studio.engine.rig.predict.predict_rig`) when it is
installed and verified, and hands its proposal to the geometric rig
(:func:`sticker_studio.core.puppet.autorig.propose_rig`), which keeps the confident joints
and falls back to the silhouette for the rest. Without the model the rig is geometry alone.

The network places the body's own joints and the joints of limbs the silhouette shows, and
fills in eyes and a mouth the geometry did not find; it never adds a limb by itself (a user's
trial showed it adding a tail or arms that then tore the drawing). Measured on the 48
hand-labelled OpenMoji characters (``tests/data/rig_real``), PCK@0.05: geometry 18.7 %, the
network alone 31.3 %, this combination 27.9 % (34.7 % when the network may add limbs);
held-out procedural families 30.7 / 81.0 / 57.8 (82.2) %; eyes found on 76.6 % of the real
characters that have them. See docs/rig_net.md.
"""

from __future__ import annotations

import numpy as np

from sticker_studio.core.puppet.autorig import propose_rig
from sticker_studio.core.puppet.rig import Rig
from sticker_studio.engine.rig.predict import predict_rig, rig_model_installed


def auto_rig(rgba: np.ndarray, *, learned: bool = True) -> Rig:
    """A rig for the drawing ``rgba`` (HxWx4 uint8): network + geometry, or geometry alone
    when ``learned`` is False or no rig model is installed."""
    prediction = predict_rig(rgba) if learned and rig_model_installed() else None
    return propose_rig(rgba, learned=prediction)
