"""The rule kinds, one module each, registered in one table.

Adding a kind: write a module here with its schema (an ``Options``
dataclass of the keys it reads) and its compiled form (a ``RuleKind``, or a
``DocumentKind`` for a kind judged on each document, with ``compile`` and
``check``/``findings``), then add it to ``RULE_KINDS``. The loader, the
engine, the examples and the reporters need nothing else (rules/README.md).
"""

from __future__ import annotations

from policylint.engine.kinds.base import DocumentKind, RuleKind
from policylint.engine.kinds.conditional import Conditional
from policylint.engine.kinds.forbid import Forbid
from policylint.engine.kinds.placeholder import Placeholder
from policylint.engine.kinds.require import Require
from policylint.engine.kinds.set_level import SetPart, SetRule
from policylint.engine.kinds.substitute import Substitute

RULE_KINDS: dict[str, type[RuleKind]] = {
    "forbid": Forbid,
    "substitute": Substitute,
    "require": Require,
    "conditional": Conditional,
    "set": SetRule,
    "placeholder": Placeholder,
}

__all__ = ["RULE_KINDS", "DocumentKind", "RuleKind", "SetPart"]
