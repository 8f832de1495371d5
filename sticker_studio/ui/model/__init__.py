"""The app's state without widgets: the session (jobs, reference, open pack) and its values.

See :mod:`sticker_studio.ui.model.session` for how the ui package is laid out.
"""
