"""Label rig joints, eyes and mouth on real characters by hand (``tests/data/rig_real``).

Two modes:

* the window (default): ``python scripts/label_rig.py [FOLDER]`` opens a PySide6 window
  on ``FOLDER/labels.json`` (created if missing, one item per PNG). Click places the
  current joint and moves on to the next one in contract order; **Skip** (or ``S``)
  leaves a joint out; drag a placed point to fix it; right-click a point to delete it.
  Pick ``eye_l`` / ``eye_r`` / ``mouth`` in the list and drag a box to draw that ellipse
  (drag inside it to move it; ``Delete`` clears it). Choose the body plan in the box.
  ``PageDown`` / ``PageUp`` change image; ``Ctrl+S`` saves (also on change of image
  and on close). Coordinates are pixels of the 512x512 image.
* ``--sheet OUT``: no window; writes one overlay PNG per item into ``OUT`` (the image
  on a checkerboard, a coordinate grid every 32 px with numbers, and the current labels
  drawn and named) for labelling by looking, plus ``OUT/contact.png``, a contact sheet
  of every item with its labels. ``--contact FILE`` writes only the contact sheet.

The label file: ``{"version": 1, "set": ..., "licence": SPDX, "items": [{"file", "name",
"joints": {name: [x, y]}, "eye_l"|"eye_r"|"mouth": [cx, cy, rx, ry] | null,
"body_plan": "humanoid|quadruped|blob|object"}]}``. Names are the rig contract's.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "tests" / "data" / "rig_real"
SIZE = 512
JOINTS: tuple[str, ...] = (
    "head_top", "head", "neck", "chest", "pelvis", "root",
    "shoulder_l", "elbow_l", "hand_l", "shoulder_r", "elbow_r", "hand_r",
    "hip_l", "knee_l", "foot_l", "hip_r", "knee_r", "foot_r",
    "tail_base", "tail_mid", "tail_tip",
    "ear_l_base", "ear_l_tip", "ear_r_base", "ear_r_tip",
)
FACE: tuple[str, ...] = ("eye_l", "eye_r", "mouth")
BODY_PLANS: tuple[str, ...] = ("humanoid", "quadruped", "blob", "object")
BONES: tuple[tuple[str, str], ...] = (
    ("head_top", "head"), ("head", "neck"), ("neck", "chest"), ("chest", "pelvis"),
    ("neck", "shoulder_l"), ("shoulder_l", "elbow_l"), ("elbow_l", "hand_l"),
    ("neck", "shoulder_r"), ("shoulder_r", "elbow_r"), ("elbow_r", "hand_r"),
    ("pelvis", "hip_l"), ("hip_l", "knee_l"), ("knee_l", "foot_l"),
    ("pelvis", "hip_r"), ("hip_r", "knee_r"), ("knee_r", "foot_r"),
    ("pelvis", "tail_base"), ("tail_base", "tail_mid"), ("tail_mid", "tail_tip"),
    ("ear_l_base", "ear_l_tip"), ("ear_r_base", "ear_r_tip"),
)
LEFT, RIGHT, MID = (40, 110, 255), (255, 60, 40), (30, 170, 60)


def side_colour(name: str) -> tuple[int, int, int]:
    if name.endswith("_l") or "_l_" in name:
        return LEFT
    if name.endswith("_r") or "_r_" in name:
        return RIGHT
    return MID


# ---------------------------------------------------------------- the label file

def load_labels(folder: Path) -> dict[str, Any]:
    """The folder's labels.json, with an empty item for every PNG that has none."""
    path = folder / "labels.json"
    data: dict[str, Any] = (
        json.loads(path.read_text("utf-8")) if path.exists()
        else {"version": 1, "set": "OpenMoji", "licence": "CC-BY-SA-4.0", "items": []}
    )
    known = {item["file"] for item in data["items"]}
    for png in sorted(folder.glob("*.png")):
        if png.name not in known:
            data["items"].append({"file": png.name, "name": png.stem.replace("_", " "), "joints": {},
                                  "eye_l": None, "eye_r": None, "mouth": None, "body_plan": "humanoid"})
    return data


def save_labels(folder: Path, data: dict[str, Any]) -> None:
    from sticker_studio.core.atomic import atomic_write_text

    order = {name: i for i, name in enumerate(JOINTS)}
    for item in data["items"]:
        item["joints"] = {k: [round(float(v[0]), 1), round(float(v[1]), 1)]
                          for k, v in sorted(item["joints"].items(), key=lambda kv: order[kv[0]])}
        for face in FACE:
            if item.get(face) is not None:
                item[face] = [round(float(v), 1) for v in item[face]]
    lines = ",\n".join("    " + json.dumps(item, ensure_ascii=False) for item in data["items"])
    head = {k: v for k, v in data.items() if k != "items"}
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "items": [\n' + lines + "\n]}\n"
    atomic_write_text(folder / "labels.json", text)


# ---------------------------------------------------------------- overlays (PIL, no window)

def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def checkerboard(size: int, cell: int = 16, light: bool = False) -> Image.Image:
    img = Image.new("RGBA", (size, size), (248, 248, 248, 255) if light else (235, 235, 235, 255))
    draw = ImageDraw.Draw(img)
    for y in range(0, size, cell):
        for x in range((y // cell) % 2 * cell, size, 2 * cell):
            shade = (236, 236, 236, 255) if light else (205, 205, 205, 255)
            draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=shade)
    return img


def draw_labels(img: Image.Image, item: dict[str, Any], scale: float, names: bool, grid: int) -> Image.Image:
    """``img`` (already scaled by ``scale``) with the grid and ``item``'s labels drawn on it."""
    out = img.convert("RGBA")
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = _font(max(9, int(7 * scale)))
    side = out.size[0]
    if grid:
        for v in range(0, SIZE + 1, grid):
            p = v * scale
            strong = v % (grid * 4) == 0
            colour = (0, 90, 160, 200 if strong else 120)
            draw.line([(p, 0), (p, side)], fill=colour, width=1)
            draw.line([(0, p), (side, p)], fill=colour, width=1)
            if 0 < v < SIZE:
                draw.text((p + 2, 1), str(v), fill=(120, 0, 120, 255), font=font)
                draw.text((1, p + 1), str(v), fill=(120, 0, 120, 255), font=font)
    joints = item.get("joints", {})
    r = max(2.5, 2.5 * scale)
    for a, b in BONES:
        if a in joints and b in joints:
            (xa, ya), (xb, yb) = joints[a], joints[b]
            draw.line([(xa * scale, ya * scale), (xb * scale, yb * scale)], fill=(255, 255, 255, 200), width=3)
            draw.line([(xa * scale, ya * scale), (xb * scale, yb * scale)], fill=(*side_colour(b), 230), width=1)
    for face in FACE:
        e = item.get(face)
        if e:
            cx, cy, rx, ry = (v * scale for v in e)
            colour = (255, 0, 200, 255) if face == "mouth" else (0, 200, 255, 255)
            draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], outline=colour, width=2)
            if names:
                draw.text((cx + rx + 2, cy - 4 * scale), face, fill=colour, font=font)
    for name, (x, y) in joints.items():
        rgb = side_colour(name)
        draw.ellipse([x * scale - r, y * scale - r, x * scale + r, y * scale + r], fill=(*rgb, 255),
                     outline=(255, 255, 255, 255))
        if names:
            draw.text((x * scale + r + 1, y * scale - r), name, fill=(*rgb, 255), font=font,
                      stroke_width=1, stroke_fill=(255, 255, 255, 255))
    return Image.alpha_composite(out, layer)


def overlay(folder: Path, item: dict[str, Any], scale: float = 2.0, grid: int = 32) -> Image.Image:
    art = Image.open(folder / item["file"]).convert("RGBA")
    side = int(SIZE * scale)
    base = checkerboard(side, int(16 * scale), light=True)
    base.alpha_composite(art.resize((side, side), Image.Resampling.LANCZOS))
    img = draw_labels(base, item, scale, names=True, grid=grid)
    draw = ImageDraw.Draw(img)
    draw.text((6, side - 18 * scale / 2 - 6), f"{item['file']}  {item['name']}  [{item['body_plan']}]",
              fill=(0, 0, 0, 255), font=_font(int(8 * scale)))
    return img


def contact_sheet(folder: Path, items: list[dict[str, Any]], cell: int = 160, cols: int = 10) -> Image.Image:
    rows = math.ceil(len(items) / cols)
    sheet = Image.new("RGBA", (cols * cell, rows * (cell + 14)), (255, 255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = _font(10)
    scale = cell / SIZE
    for i, item in enumerate(items):
        art = Image.open(folder / item["file"]).convert("RGBA").resize((cell, cell), Image.Resampling.LANCZOS)
        tile = checkerboard(cell, 8)
        tile.alpha_composite(art)
        tile = draw_labels(tile, item, scale, names=False, grid=0)
        x, y = (i % cols) * cell, (i // cols) * (cell + 14)
        sheet.paste(tile, (x, y))
        draw.text((x + 3, y + cell), item["file"][:-4][:26], fill=(0, 0, 0, 255), font=font)
    return sheet.convert("RGB")


def write_sheets(folder: Path, out: Path, only: list[str] | None, scale: float) -> None:
    data = load_labels(folder)
    out.mkdir(parents=True, exist_ok=True)
    for item in data["items"]:
        if only and Path(item["file"]).stem not in only:
            continue
        overlay(folder, item, scale).convert("RGB").save(out / item["file"])
    contact_sheet(folder, data["items"]).save(out / "contact.png", optimize=True)
    print(f"overlays -> {out}")


# ---------------------------------------------------------------- the window

def create_window(folder: Path) -> Any:
    """The labelling window on ``folder`` (not shown); ``run_window`` shows it and runs Qt."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QKeySequence, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap, QShortcut
    from PySide6.QtWidgets import (
        QComboBox,
        QHBoxLayout,
        QLabel,
        QListWidget,
        QPushButton,
        QVBoxLayout,
        QWidget,
    )

    data = load_labels(folder)
    if not data["items"]:
        raise ValueError(f"no PNG images in {folder}")

    class Canvas(QWidget):
        drag: str | None
        box_start: QPointF | None
        move_offset: tuple[float, float] | None

        def __init__(self, owner: Window) -> None:
            super().__init__()
            self.owner = owner
            self.setFixedSize(SIZE, SIZE)
            self.pixmap = QPixmap()
            self.drag, self.box_start, self.move_offset = None, None, None

        def hit(self, pos: QPointF) -> str | None:
            item = self.owner.item
            best, dist = None, 8.0
            for name, (x, y) in item["joints"].items():
                d = math.hypot(pos.x() - x, pos.y() - y)
                if d < dist:
                    best, dist = name, d
            return best

        def mousePressEvent(self, event: QMouseEvent) -> None:
            pos = event.position()
            item = self.owner.item
            target = self.owner.current()
            name = self.hit(pos)
            if event.button() == Qt.MouseButton.RightButton:
                if name:
                    item["joints"].pop(name)
                    self.owner.changed()
                return
            if target in FACE:
                e = item.get(target)
                if e and ((pos.x() - e[0]) / max(e[2], 1)) ** 2 + ((pos.y() - e[1]) / max(e[3], 1)) ** 2 <= 1:
                    self.move_offset = (pos.x() - e[0], pos.y() - e[1])
                else:
                    self.box_start = pos
                return
            if name:
                self.drag = name
                return
            item["joints"][target] = [pos.x(), pos.y()]
            self.owner.advance()

        def mouseMoveEvent(self, event: QMouseEvent) -> None:
            pos = event.position()
            item = self.owner.item
            x, y = min(max(pos.x(), 0.0), SIZE - 1.0), min(max(pos.y(), 0.0), SIZE - 1.0)
            target = self.owner.current()
            if self.drag:
                item["joints"][self.drag] = [x, y]
            elif self.box_start is not None:
                sx, sy = self.box_start.x(), self.box_start.y()
                item[target] = [(sx + x) / 2, (sy + y) / 2, abs(x - sx) / 2, abs(y - sy) / 2]
            elif self.move_offset is not None and item.get(target):
                e = item[target]
                item[target] = [x - self.move_offset[0], y - self.move_offset[1], e[2], e[3]]
            else:
                return
            self.owner.changed(refresh_list=False)

        def mouseReleaseEvent(self, event: QMouseEvent) -> None:
            self.drag, self.box_start, self.move_offset = None, None, None
            self.owner.changed()

        def paintEvent(self, event: QPaintEvent) -> None:
            painter = QPainter(self)
            painter.drawPixmap(0, 0, self.pixmap)
            item = self.owner.item
            for a, b in BONES:
                if a in item["joints"] and b in item["joints"]:
                    painter.setPen(QPen(QColor(*side_colour(b)), 1))
                    painter.drawLine(QPointF(*item["joints"][a]), QPointF(*item["joints"][b]))
            for face in FACE:
                e = item.get(face)
                if e:
                    painter.setPen(QPen(QColor(255, 0, 200) if face == "mouth" else QColor(0, 200, 255), 2))
                    painter.drawEllipse(QRectF(e[0] - e[2], e[1] - e[3], 2 * e[2], 2 * e[3]))
            current = self.owner.current()
            for name, (x, y) in item["joints"].items():
                painter.setPen(QPen(QColor(255, 255, 255), 1))
                painter.setBrush(QColor(*side_colour(name)))
                radius = 5.0 if name == current else 3.5
                painter.drawEllipse(QPointF(x, y), radius, radius)
                painter.drawText(QPointF(x + 6, y - 4), name)
            painter.end()

    class Window(QWidget):
        def __init__(self) -> None:
            super().__init__()
            self.index = 0
            self.canvas = Canvas(self)
            self.targets = QListWidget()
            self.targets.addItems([*JOINTS, *FACE])
            self.targets.setFixedWidth(170)
            self.plan = QComboBox()
            self.plan.addItems(list(BODY_PLANS))
            self.plan.currentTextChanged.connect(self.set_plan)
            self.title = QLabel()
            skip = QPushButton("Skip (S)")
            skip.clicked.connect(self.advance)
            prev_btn, next_btn, save_btn = QPushButton("< Prev"), QPushButton("Next >"), QPushButton("Save")
            prev_btn.clicked.connect(lambda: self.go(-1))
            next_btn.clicked.connect(lambda: self.go(1))
            save_btn.clicked.connect(self.save)
            side = QVBoxLayout()
            side.addWidget(self.title)
            side.addWidget(self.plan)
            side.addWidget(self.targets)
            side.addWidget(skip)
            nav = QHBoxLayout()
            for b in (prev_btn, next_btn, save_btn):
                nav.addWidget(b)
            side.addLayout(nav)
            row = QHBoxLayout(self)
            row.addWidget(self.canvas)
            row.addLayout(side)
            QShortcut(QKeySequence("S"), self).activated.connect(self.advance)
            QShortcut(QKeySequence("Ctrl+S"), self).activated.connect(self.save)
            QShortcut(QKeySequence(Qt.Key.Key_PageDown), self).activated.connect(lambda: self.go(1))
            QShortcut(QKeySequence(Qt.Key.Key_PageUp), self).activated.connect(lambda: self.go(-1))
            QShortcut(QKeySequence(Qt.Key.Key_Delete), self).activated.connect(self.clear_face)
            self.load()

        @property
        def item(self) -> dict[str, Any]:
            return data["items"][self.index]

        def current(self) -> str:
            row = self.targets.currentItem()
            return row.text() if row else JOINTS[0]

        def load(self) -> None:
            art = QImage(str(folder / self.item["file"])).scaled(SIZE, SIZE)
            base = QPixmap(SIZE, SIZE)
            base.fill(QColor(220, 220, 220))
            painter = QPainter(base)
            painter.drawImage(0, 0, art)
            painter.end()
            self.canvas.pixmap = base
            self.plan.setCurrentText(self.item["body_plan"])
            first = next((i for i, n in enumerate(JOINTS) if n not in self.item["joints"]), 0)
            self.targets.setCurrentRow(first)
            self.changed()

        def set_plan(self, plan: str) -> None:
            self.item["body_plan"] = plan

        def advance(self) -> None:
            row = self.targets.currentRow()
            if row < len(JOINTS) - 1:
                self.targets.setCurrentRow(row + 1)

        def clear_face(self) -> None:
            if self.current() in FACE:
                self.item[self.current()] = None
                self.changed()

        def changed(self, refresh_list: bool = True) -> None:
            self.title.setText(f"{self.index + 1}/{len(data['items'])}  {self.item['file']}")
            if refresh_list:
                for i in range(self.targets.count()):
                    row = self.targets.item(i)
                    done = row.text() in self.item["joints"] or bool(self.item.get(row.text()))
                    row.setForeground(QColor(0, 120, 0) if done else QColor(0, 0, 0))
            self.canvas.update()

        def go(self, step: int) -> None:
            self.save()
            self.index = (self.index + step) % len(data["items"])
            self.load()

        def save(self) -> None:
            save_labels(folder, data)

        def closeEvent(self, event: Any) -> None:
            self.save()
            event.accept()

    window = Window()
    window.setWindowTitle(f"Label rig - {folder}")
    return window


def run_window(folder: Path) -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    try:
        window = create_window(folder)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    window.show()
    return int(app.exec())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=DEFAULT_FOLDER)
    parser.add_argument("--sheet", type=Path, help="write overlay PNGs (grid + labels) and contact.png here")
    parser.add_argument("--contact", type=Path, help="write only the contact sheet of all labels to this PNG")
    parser.add_argument("--only", nargs="*", help="file stems for --sheet (default: all)")
    parser.add_argument("--scale", type=float, default=2.0, help="overlay scale for --sheet (default 2)")
    args = parser.parse_args()
    if args.contact:
        data = load_labels(args.folder)
        contact_sheet(args.folder, data["items"], cell=128, cols=10).quantize(256).save(args.contact, optimize=True)
        print(f"contact sheet -> {args.contact}")
        return 0
    if args.sheet:
        write_sheets(args.folder, args.sheet, args.only, args.scale)
        return 0
    return run_window(args.folder)


if __name__ == "__main__":
    sys.exit(main())
