"""Codecs and messenger targets: readers, writers, the target table, fit and validate.

No Qt, no torch. Import the submodules directly (``formats.readers``,
``formats.writers``, ``formats.targets``, ``formats.fit``, ``formats.validate``,
``formats.export``); this package file stays import-light.
"""
