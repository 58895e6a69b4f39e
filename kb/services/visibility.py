"""What a user may not see of the members-only areas, as SQL conditions for the services' queries.

Lists of pages and plans filter on their own `area_id` with the ids from
kb.permissions.hidden_areas (kb.services.pages.shown_to, the `hidden` arguments of the plan and
structure lookups). Rows that only name a record (a notification) are narrowed here, in the query,
so that a list costs no query per row.
"""
from __future__ import annotations

from sqlalchemy import and_, not_, or_, select, true

from kb import permissions
from kb.constants import Entity
from kb.models import ActionPlan, Activity, Attachment, Notification, Page


def notification_clause(user):
    """SQL condition: the notification is about nothing in a members-only area `user` is no member
    of (a page, an attachment on one, a plan or an activity of one); checked when notifications are
    shown or mailed, so a membership taken away hides them from then on."""
    hidden = permissions.hidden_areas(user)
    if not hidden:
        return true()
    hidden_pages = select(Page.id).where(Page.area_id.in_(hidden))
    hidden_plans = select(ActionPlan.id).where(ActionPlan.area_id.in_(hidden))
    about = {Entity.PAGE: hidden_pages,
             Entity.ATTACHMENT: select(Attachment.id).where(Attachment.page_id.in_(hidden_pages)),
             Entity.PLAN: hidden_plans,
             Entity.ACTIVITY: select(Activity.id).where(Activity.plan_id.in_(hidden_plans))}
    return not_(or_(*(and_(Notification.entity == entity.value, Notification.entity_id.in_(ids))
                      for entity, ids in about.items())))
