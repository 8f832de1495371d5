"""Training data: dataset folders, fetching, synthetic clips, drawn subjects, captions, packs."""
