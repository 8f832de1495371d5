"""Training: the jobs that make the shipped models (run by `sticker-studio train/eval/data`).

Rooms: `loop/` the one training loop, `data/` what it reads, `generator/` and `matting/` each
model's step, `eval/` the numbers on the model cards, `kits/` offline GPU kits.
"""
