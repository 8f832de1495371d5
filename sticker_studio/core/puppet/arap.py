"""As-rigid-as-possible shape manipulation, two-step closed form (Igarashi et al. 2005; JGT 2009).

Step 1 (similarity): each triangle keeps the shape of its rest triangle up to a
rotation and uniform scale (each vertex expressed in the frame of the opposite edge,
three ways). Step 2 (scale adjustment): each triangle's step-1 result is fitted with a
pure rotation of its rest triangle, and the vertices are solved so every edge matches
its rotated rest edge. Pins are soft barycentric constraints (weight :data:`PIN_WEIGHT`).

Both systems depend only on the rest mesh, the per-triangle rigidity weights and
*where* the pins are, not where they go, so :class:`ArapSolver` factorises them once
(sparse LU, on the first solve) and each frame is two back-substitutions. Rest pins give the rest mesh,
and pins moved by one rigid transform move the whole mesh by it (exactly, to float
precision).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

PIN_WEIGHT = 1000.0


class ArapSolver:
    """Pre-factorised ARAP for one mesh and one pin set."""

    def __init__(self, vertices: np.ndarray, triangles: np.ndarray, pin_triangles: np.ndarray,
                 pin_weights: np.ndarray, rigidity: np.ndarray | None = None) -> None:
        self.rest = np.asarray(vertices, np.float64)
        self.tris = np.asarray(triangles, np.int64)
        n, t = len(self.rest), len(self.tris)
        self.n = n
        rig = np.ones(t) if rigidity is None else np.asarray(rigidity, np.float64)
        sw = np.sqrt(rig)
        # pins: C (P x n) barycentric rows
        pin_tris = self.tris[np.asarray(pin_triangles, np.int64)]
        p = len(pin_tris)
        self.pin_matrix = sp.csr_matrix(
            (np.asarray(pin_weights, np.float64).ravel(), (np.repeat(np.arange(p), 3), pin_tris.ravel())),
            shape=(p, n))
        self._sw = sw
        self._factorised = False
        self._rest_pins: np.ndarray | None = None

    def _factorise(self) -> None:
        """Assemble and factorise both systems (on the first :meth:`solve`: a layer whose pins never
        move, a still body under a waving arm, needs neither)."""
        n, t, sw = self.n, len(self.tris), self._sw
        cw = np.sqrt(PIN_WEIGHT)
        # ---------------- step 1: similarity, 2n unknowns interleaved (x0, y0, x1, y1, ...)
        rows, cols, vals = [], [], []
        r = 0
        for i0, i1, i2 in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
            a, b, c = self.tris[:, i0], self.tris[:, i1], self.tris[:, i2]
            d = self.rest[b] - self.rest[a]
            e = self.rest[c] - self.rest[a]
            dd = np.maximum((d * d).sum(1), 1e-12)
            xc = (e * d).sum(1) / dd
            yc = (e[:, 0] * -d[:, 1] + e[:, 1] * d[:, 0]) / dd  # e . R90(d), R90(x, y) = (-y, x)
            ex_rows = r + 2 * np.arange(t)
            ey_rows = ex_rows + 1
            # ex = cx - ax - xc (bx - ax) + yc (by - ay)
            for idx, coef, comp in ((c, 1.0, 0), (a, -1.0 + xc, 0), (b, -xc, 0), (b, yc, 1), (a, -yc, 1)):
                rows.append(ex_rows)
                cols.append(2 * idx + comp)
                vals.append(np.broadcast_to(coef, (t,)) * sw)
            # ey = cy - ay - xc (by - ay) - yc (bx - ax)
            for idx, coef, comp in ((c, 1.0, 1), (a, -1.0 + xc, 1), (b, -xc, 1), (b, -yc, 0), (a, yc, 0)):
                rows.append(ey_rows)
                cols.append(2 * idx + comp)
                vals.append(np.broadcast_to(coef, (t,)) * sw)
            r += 2 * t
        a1 = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, 2 * n))
        c2 = sp.kron(self.pin_matrix, sp.identity(2), format="csr") * cw
        m1 = (a1.T @ a1 + c2.T @ c2).tocsc()
        self._c2 = c2
        self._lu1 = splu(m1)
        # ---------------- step 2: edges match rotated rest edges, x and y separately
        ei, ej = [], []
        for i0, i1 in ((0, 1), (1, 2), (2, 0)):
            ei.append(self.tris[:, i0])
            ej.append(self.tris[:, i1])
        self._ei, self._ej = np.concatenate(ei), np.concatenate(ej)
        m = len(self._ei)
        self._ew = np.tile(sw, 3)
        edge = sp.csr_matrix((np.concatenate([-self._ew, self._ew]),
                              (np.concatenate([np.arange(m), np.arange(m)]), np.concatenate([self._ei, self._ej]))),
                             shape=(m, n))
        self._edge = edge
        cm = self.pin_matrix * cw
        self._cm = cm
        m2 = (edge.T @ edge + cm.T @ cm).tocsc()
        self._lu2 = splu(m2)
        self._rest_edges = self.rest[self._ej] - self.rest[self._ei]  # m,2
        self._cw = cw
        self._factorised = True

    def rest_pins(self) -> np.ndarray:
        """Where the pins sit on the rest mesh (P x 2)."""
        return np.asarray(self.pin_matrix @ self.rest)

    def rigid_map(self, targets: np.ndarray, tol: float = 1e-9) -> np.ndarray | None:
        """The 2 x 3 map ``[R | t]`` (R a rotation) that moves every rest pin onto its target (within ``tol``
        px), or None when the pins did not move rigidly (they bend the mesh, or scale it, or lie on a line)."""
        pins = self._rest_pins if self._rest_pins is not None else self.rest_pins()
        self._rest_pins = pins
        if len(pins) < 3:
            return None
        targets = np.asarray(targets, np.float64)
        centre, goal = pins.mean(0), targets.mean(0)
        # the least-squares linear map about the centroids (none when the pins lie on a line)
        p, q = pins - centre, targets - goal
        cov = p.T @ p
        if abs(float(np.linalg.det(cov))) < 1e-6 * max(1.0, float(np.trace(cov))) ** 2:
            return None
        a = np.linalg.solve(cov, p.T @ q).T
        if np.abs(a.T @ a - np.eye(2)).max() > 1e-9 or float(np.linalg.det(a)) <= 0.0:
            return None
        m = np.concatenate([a, (goal - a @ centre)[:, None]], 1)
        if np.abs(pins @ a.T + m[:, 2] - targets).max() > tol:
            return None
        return m

    def solve(self, targets: np.ndarray) -> np.ndarray:
        """Deformed vertices (n x 2) for pin targets (P x 2).

        Pins moved by one rigid transform move the mesh by it (what both systems solve to, to float
        precision): that transform of the rest mesh, with no factorisation (a layer carried whole by its
        joint in every frame, a dancing monkey's head, never factorises)."""
        targets = np.asarray(targets, np.float64)
        rigid = self.rigid_map(targets)
        if rigid is not None:
            return self.rest @ rigid[:, :2].T + rigid[:, 2]
        if not self._factorised:
            self._factorise()
        # step 1
        b1 = self._c2.T @ (targets.ravel() * self._cw)
        v1 = self._lu1.solve(b1).reshape(-1, 2)
        # per-triangle rotation fitted to the step-1 triangle (Procrustes on the 3 edges)
        t = len(self.tris)
        de = (v1[self._ej] - v1[self._ei]).reshape(3, t, 2)
        re = self._rest_edges.reshape(3, t, 2)
        dot = (re * de).sum(2).sum(0)
        cross = (re[..., 0] * de[..., 1] - re[..., 1] * de[..., 0]).sum(0)
        norm = np.maximum(np.hypot(dot, cross), 1e-12)
        cs, sn = dot / norm, cross / norm
        cs3, sn3 = np.tile(cs, 3), np.tile(sn, 3)
        rx = cs3 * self._rest_edges[:, 0] - sn3 * self._rest_edges[:, 1]
        ry = sn3 * self._rest_edges[:, 0] + cs3 * self._rest_edges[:, 1]
        rhs = self._edge.T @ (np.stack([rx, ry], 1) * self._ew[:, None]) + self._cm.T @ (targets * self._cw)
        x = self._lu2.solve(np.ascontiguousarray(rhs[:, 0]))
        y = self._lu2.solve(np.ascontiguousarray(rhs[:, 1]))
        return np.stack([x, y], 1)


def triangle_stretch(rest: np.ndarray, deformed: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per triangle: signed area ratio sign (det of the deformation gradient) and max |log sigma|."""
    p, q = rest[triangles], deformed[triangles]
    a = np.stack([p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]], 2)  # T,2,2 columns = edges
    b = np.stack([q[:, 1] - q[:, 0], q[:, 2] - q[:, 0]], 2)
    det_a = np.linalg.det(a)
    good = np.abs(det_a) > 1e-12
    f = np.zeros_like(a)
    f[good] = b[good] @ np.linalg.inv(a[good])
    det = np.linalg.det(f)
    sv = np.linalg.svd(f, compute_uv=False)
    logs = np.abs(np.log(np.maximum(sv, 1e-9))).max(1)
    return det, logs
