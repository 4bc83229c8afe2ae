"""Contract Monitor: synthetic contract probes for OpenAI-compatible chat-completion APIs.

The package root holds only what every layer shares or what wires the layers together: the
exception tree (``errors``), time (``clock``), ids (``ids``), the thread pool for blocking calls
(``blocking``), the composition root (``app``) and the serve loop (``service``). Each concern has
a folder; ``tests/unit/test_layering.py`` holds the table of which folder may import which
(ARCHITECTURE.md shows it).
"""

__version__ = "0.1.0"
