"""The automatic rig: the learned network's confident joints and face, the drawing's geometry for the rest.

:func:`auto_rig` is what the CLI and the app call when a drawing has no rig yet. It runs the
bundled rig network (:func:`~sticker_studio.engine.rig.predict.predict_rig`) when it is
installed and verified, and hands its proposal to the geometric rig
(:func:`sticker_studio.core.puppet.autorig.propose_rig`), which keeps the confident joints
and falls back to the silhouette for the rest. Without the model the rig is geometry alone.

The network places the body's own joints (from confidence 0.2), the joints of limbs the geometry found,
and limbs the geometry missed when their joints lie on the silhouette (an arm held against the body; a tail
or ear only from confidence 0.5); a profile animal keeps the geometry's part map. Its eyes and mouth replace
the geometry's where those are far bigger than an eye (ears taken for eyes). The drawing and its mirror are
read and averaged (about 10 ms more). Measured on the 48 hand-labelled OpenMoji characters
(``tests/data/rig_real``, never trained on), PCK@0.05: this combination 51.9 %, the network alone 46.6 %,
geometry 18.7 % (the first shipped combination: 27.9 %); eyes found on 91.5 % of the characters that have
them; held-out procedural families 92.3 % (network alone 90.3 %). See docs/rig_net.md.
"""

from __future__ import annotations

import numpy as np

from sticker_studio.core.puppet.autorig import propose_rig
from sticker_studio.core.puppet.rig import Rig
from sticker_studio.engine.rig.predict import predict_rig, rig_model_installed


def auto_rig(rgba: np.ndarray, *, learned: bool = True) -> Rig:
    """A rig for the drawing ``rgba`` (HxWx4 uint8): network + geometry, or geometry alone
    when ``learned`` is False or no rig model is installed."""
    prediction = predict_rig(rgba, mirror=True) if learned and rig_model_installed() else None
    return propose_rig(rgba, learned=prediction)
