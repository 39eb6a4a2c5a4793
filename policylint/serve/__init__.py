"""``policylint serve``: the review page, for people who never open a
terminal. Drop documents in, read the findings beside the text, dismiss
or accept suggested wording, and download the reviewed Word copy, the
findings and the scorecard -- all through the project's one flow
(``run.check``), annotator and reporters, on the reviewer's own machine,
keeping nothing.

The package, by job:

- ``app``: the Starlette application (``create_app``), its routes, the
  Host check and the security headers;
- ``receive``: streaming an upload into its folder under the limits, and
  unpacking a zip of a policy folder safely;
- ``store``: each upload's folder and state, and when it is deleted;
- ``workers``: the threads that check, each with a warm engine;
- ``review``: checking an upload and making its downloads;
- ``views``: what the review page shows;
- ``templates/``, ``static/``: the pages, their stylesheet and one script.
"""

from __future__ import annotations

from policylint.serve.app import Settings, create_app

__all__ = ["Settings", "create_app"]
