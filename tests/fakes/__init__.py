"""Stand-in servers on 127.0.0.1 for the services alerts go to: Slack's Web API, Slack incoming
webhooks, PagerDuty's Events API v2 and a generic webhook receiver. Each is a real HTTP server
(clients talk to it over sockets, exactly as to the real service), records every request and can
be told to answer the next calls with an error, a 429 with ``Retry-After``, a 500 or slowly."""
