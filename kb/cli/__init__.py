"""The `kb` command's subcommands, added to the app's CLI group by `init_app`.

Modules:
- main: `KbGroup` and `main`, the console entry point (`kb`); builds the app with kb.create_app.
  Not imported here, so kb.create_app → init_app never leads back to it.
- common: helpers shared by the commands (`fail`, `read_password`, `parse_role`).
- help: Click command and group classes with Swedish help; every kb command uses them.
- instance: init, upgrade, demo, import, export, serve.
- users: the `user` group (create, set-role, disable, list, set-email, grant, revoke).
- areas: the `area` group (create, set, list).
- groups: the `groups` group (map, unmap, list): roles from the identity provider's groups.
- backup: backup, restore.
- notify: notify.
- links: the `links` group (check): broken external links in page text.
- plans: the `plans` group (import, export).
- search: search, reindex.

The commands are thin: the work is done by kb.services.
"""
from __future__ import annotations

from flask import Flask

from kb.cli import areas, backup, groups, instance, links, notify, plans, search, users


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI group (so `kb` and tests' runner see them)."""
    for command in (instance.init_command, instance.upgrade_command, instance.demo_command,
                    instance.import_command, instance.export_command, instance.serve_command,
                    users.user_group, search.search_command, search.reindex_command, plans.plans_group,
                    backup.backup_command, backup.restore_command, notify.notify_command,
                    areas.area_group, groups.groups_group, links.links_group):
        app.cli.add_command(command)
