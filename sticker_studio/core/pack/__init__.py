"""A sticker pack on disk: the pack (ordered stickers, names, emoji) and its crash-safe store."""
