"""Streams: the SSE parser and capture (``sse``), a stream's chunk shape, representative chunks
and stream findings (``chunks``) and the completion its deltas add up to (``reassemble``).

May import: the stdlib, ``core``'s root modules and ``core.shape`` (a chunk is a shape; a
stream's framing is judged there, as shape features). Never ``core.policy``, nothing outside
``core`` but the root's errors, clock and ids.
"""
