"""Pages and revisions, by area:

- `data`: a page as a form, an import or the API supplies it (PageData, Approval);
- `inputs`: the checks of that data (Swedish messages);
- `merging`: three-way merges of two edits from the same base revision;
- `lookups`: pages and revisions by address, history, lists, counts and backlinks;
- `rendering`: Markdown to the stored HTML, keeping it current when links or the glossary change, and
  the stored HTML as it is shown;
- `writes`: create, edit (with conflict detection), revert, delete, restore, rename; approval drafts.

Callers use the names below (`pages.get(...)`); the modules import each other directly.
"""
from kb.services.pages.data import Approval, PageData  # noqa: F401
from kb.services.pages.inputs import (  # noqa: F401
    approver_errors,
    check_relations,
    clean,
    normalize_source,
    requires_approval,
    structure_parents,
    under_approval,
)
from kb.services.pages.lookups import (  # noqa: F401
    PUBLIC_STATES,
    backlinks,
    count_by_type,
    count_pages,
    current_head,
    deleted_pages,
    get,
    get_revision,
    head,
    history,
    live_pages,
    pages_by_type,
    pages_of_type,
    pending_draft,
    published_clause,
    recent_revisions,
    recently_changed,
    resolve,
    shown_to,
)
from kb.services.pages.rendering import (  # noqa: F401
    SlugChecker,
    refresh_area_linkers,
    refresh_html_for_terms,
    refresh_linkers,
    render,
    shown_html,
)
from kb.services.pages.writes import (  # noqa: F401
    AUDIT_OF_OP,
    apply_pending_slug,
    attachment_draft,
    create_page,
    delete_page,
    move_page,
    publish,
    restore_page,
    revert_page,
    shown_data,
    update_page,
    withdraw_draft,
)
