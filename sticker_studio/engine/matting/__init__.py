"""Give frames their alpha back: the matting entry points (model, colour key, layout prior)."""
