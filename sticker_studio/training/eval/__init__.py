"""Evaluation: the numbers that go into the model cards (`sticker-studio eval`)."""
