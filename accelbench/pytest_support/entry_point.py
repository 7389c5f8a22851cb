"""The ``pytest11`` entry point ``accelbench``: it loads :mod:`accelbench.pytest_plugin`, nothing else.

Why the entry point is not the plugin module itself: pytest registers an entry point's module under
the entry point's name (``accelbench``), and a module named with ``-p``, ``PYTEST_PLUGINS`` or a
conftest's ``pytest_plugins`` under its module name. Were the entry point ``accelbench.pytest_plugin``
itself, ``-p accelbench.pytest_plugin`` with autoloading on would register that one module under two
names, and pytest stops ("Plugin already registered under a different name"). Through this module,
which has no hooks, the plugin is always registered once, under ``accelbench.pytest_plugin``, however
it is enabled: pytest does not import a plugin already registered under that name. ``-p accelbench``
and ``-p no:accelbench`` keep naming the entry point.
"""

from __future__ import annotations

pytest_plugins = ["accelbench.pytest_plugin"]
