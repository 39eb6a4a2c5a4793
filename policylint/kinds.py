"""The one table of document kinds.

Every place that needs the list of kinds (the ``--kind`` option, the
``kinds`` configuration table, rule files' ``applies-to``, the classifier)
imports it from here, so a kind is added or renamed in one place. The order
is the order users see in help texts and reports.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A document kind: its name (as written in config, rules and output)
    and one line saying what it covers (RULES-CATALOG.md, section 1.2)."""

    name: str
    description: str
    label: str  # how reports name it in a sentence


TABLE: tuple[Kind, ...] = (
    Kind("mission-statement", "mission, vision, values, purpose or beliefs of the organisation",
         "mission statement"),
    Kind("strategic-plan", "strategic, workforce and business plans; budgets", "strategic plan"),
    Kind("peer-job-description", "position description or advert for a designated Lived Experience (peer) role",
         "peer job description"),
    Kind("job-description", "any other position description or job advert", "job description"),
    Kind("supervision-policy", "supervision policies, procedures and guidance", "supervision policy"),
    Kind("training-policy", "training, induction/orientation, learning and development", "training policy"),
    Kind("hr-policy", "recruitment, employment conditions, adjustments, careers pages", "HR policy"),
    Kind("other", "operational policies, service models, organisation charts, anything else", "other document"),
)

KINDS: tuple[str, ...] = tuple(k.name for k in TABLE)
DESCRIPTIONS: dict[str, str] = {k.name: k.description for k in TABLE}
LABELS: dict[str, str] = {k.name: k.label for k in TABLE}

MISSION, STRATEGY, PEER_JD, JD, SUPERVISION, TRAINING, HR, OTHER = KINDS


def describe(name: str) -> str:
    """The one-line description of kind ``name`` (KeyError if unknown)."""
    return DESCRIPTIONS[name]
