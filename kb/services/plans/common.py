"""Names shared by the plan modules: entity names, field limits and labels, URL paths."""
from __future__ import annotations

COLLABORATION = "collaboration_plan"
PLAN = "action_plan"
ACTIVITY = "activity"

SHORT_MAX = 500      # goal, sub-goal
TEXT_MAX = 4000      # what, how, decision, follow-up
NAME_MAX = 300       # titles, free-text responsible
DESCRIPTION_MAX = 10_000
PERIOD_SPAN_MAX = 10

# Swedish names of the activity fields: form labels, history lines and import columns.
ACTIVITY_LABELS: dict[str, str] = {
    "goal": "Mål", "subgoal": "Delmål", "what": "Vad", "how": "Hur", "decision": "Beslut",
    "responsible": "Ansvarig struktur", "responsible_text": "Ansvarig (fritext)", "start": "Start",
    "deadline": "Slutdatum", "follow_up": "Uppföljning", "status": "Status", "target_groups": "Målgrupper",
    "pages": "Sidor",
}
PLAN_LABELS: dict[str, str] = {
    "title": "Titel", "slug": "Adress", "structure": "Struktur", "period": "Period", "adopted": "Fastställd",
    "collaboration_plan": "Samverkansplan", "description": "Beskrivning", "focus_areas": "Fokusområden",
}
COLLABORATION_LABELS: dict[str, str] = {
    "title": "Titel", "slug": "Adress", "period": "Period", "goals": "Prioriterade mål",
    "description": "Beskrivning",
}
# Addresses under /planer/ that the views use themselves; a plan cannot take them.
RESERVED_PLAN_SLUGS = frozenset({"ny", "importera"})
