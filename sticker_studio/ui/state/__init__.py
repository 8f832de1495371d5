"""The app's state without widgets: the session (jobs, reference, open pack) and its values.

Also the document, undo commands, background workers (jobs), settings, generation and the
reference cut-out. See :mod:`sticker_studio.ui.state.session` for how the ui package is laid out.
"""
