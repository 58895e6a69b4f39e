"""Collaboration plans, action plans and activities, by area:

- `common`: entity names, field limits and labels (URL paths: kb.urls);
- `lookups`: plans, activities and collaboration plans by key;
- `inputs`: what a form, an import or the API supplies, and its validation;
- `queries`: what the plan views show (filters, goal groups, counts per status);
- `revisions`: the history of plans, activities and collaboration plans, and what each revision changed;
- `writes`: every change, with an immutable revision, a `Change` row and an audit event;
- `table`: reading and writing a plan's activities as CSV or XLSX (the documented columns);
- `io`: importing such a file into a plan (all or nothing) and exporting one;
- `folder`: the `plans/` YAML folder of `kb export` and `kb import`.

Callers use the names below (`plans.create_activity(...)`); the modules import each other directly.
"""

from kb.services.plans.common import (  # noqa: F401
    ACTIVITY,
    ACTIVITY_LABELS,
    COLLABORATION,
    COLLABORATION_LABELS,
    DESCRIPTION_MAX,
    NAME_MAX,
    PERIOD_SPAN_MAX,
    PLAN,
    PLAN_LABELS,
    RESERVED_PLAN_SLUGS,
    SHORT_MAX,
    TEXT_MAX,
)
from kb.services.plans.inputs import (  # noqa: F401
    ActivityData,
    CleanActivity,
    CollaborationData,
    PlanData,
    clean_activity,
    clean_collaboration,
    clean_plan,
    parse_period,
    split_list,
    structure_page,
)
from kb.services.plans.lookups import (  # noqa: F401
    collaboration_plans,
    deleted_activities,
    deleted_plans,
    get_activity,
    get_collaboration_plan,
    get_plan,
    live_plans,
    plan_activities,
    slug_for,
)
from kb.services.plans.queries import (  # noqa: F401
    ActivityFilter,
    GoalGroup,
    PlanCounts,
    activities_for_page,
    find_activities,
    goal_choices,
    group_by_goal,
    parse_filter,
    responsible_names,
    status_counts,
)
from kb.services.plans.revisions import (  # noqa: F401
    COLLABORATION_REF_KEY,
    PAGE_REF_KEYS,
    FieldChange,
    HistoryEntry,
    Titles,
    describe_changes,
    format_value,
    get_revision,
    history,
    history_entries,
    reference_titles,
    status_history,
)
from kb.services.plans.writes import (  # noqa: F401
    collaboration_state,
    commit,
    create_activity,
    create_plan,
    delete_activity,
    delete_plan,
    restore_activity,
    restore_plan,
    same_activity,
    same_plan,
    save_collaboration_plan,
    set_status,
    update_activity,
    update_plan,
)
