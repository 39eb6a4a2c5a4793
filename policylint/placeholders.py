"""The form of a placeholder: text left for a person to fill in, written
``[[like this]]``. ``policylint new`` writes them into its templates and the
``placeholder`` rule kind finds them; both read the form from here, so the
templates need no part of the rule engine.
"""

from __future__ import annotations

import re

# Two brackets, 1-200 characters holding no bracket or line break, two brackets.
PLACEHOLDER_RE = re.compile(r"\[\[([^\[\]\n]{1,200})\]\]")
