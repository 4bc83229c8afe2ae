"""Streams: the SSE parser and capture (``sse``), a stream's chunk shape and findings
(``chunks``), its framing as shape features (``framing``) and the completion its deltas add up to
(``reassemble``). Pure: stdlib and the rest of ``core`` only.
"""
