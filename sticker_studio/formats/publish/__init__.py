"""Publishing a pack to a messenger's servers (Telegram's Bot API): no Qt, no torch.

:mod:`base` holds the small interface every uploader implements (like sticker-convert's
uploaders), :mod:`telegram` the Bot API client and uploader, :mod:`credentials` where
tokens live (the OS keyring, never the pack or the plain settings file), and
:mod:`multipart` the stdlib ``multipart/form-data`` encoder.
"""
