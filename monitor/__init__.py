"""Contract Monitor: synthetic contract probes for OpenAI-compatible chat-completion APIs."""

__version__ = "0.1.0"
