"""The web pages: a status overview, probe, run, diff, event and report pages and SVG badges,
server-rendered (Jinja2, no JavaScript needed) on the API listener.

``pages`` holds the Starlette routes, ``access`` the login/cookie/CSRF policy and the security
headers, ``data`` turns the store's rows into the same JSON views the CLI and API print (it is the
only module here that calls the store), ``charts`` draws SVG (pure), ``forms`` reads the pages'
inputs. May import: core, config, storage (called through ``data`` only), views, report,
selfcheck and the root's modules. Nothing imports web but the API's app builder.
"""
