"""Matting-head training: its step, and the layout-prior batches and losses."""
