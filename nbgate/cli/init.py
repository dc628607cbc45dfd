"""``nbgate init [PATH] [--force]``: set a repository up for nbgate (see ``nbgate.init``)."""

from __future__ import annotations

import argparse

from nbgate.config import Config
from nbgate.init.files import ACTION
from nbgate.init.project import init


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate init``."""
    parser = subparsers.add_parser(
        "init",
        help="set a repository up: config, pre-commit hooks, CI workflow, "
        "registry folder, .gitignore",
    )
    parser.add_argument("path", nargs="?", help="project folder (default: the current one)")
    parser.add_argument(
        "--force", action="store_true", help="replace files that exist with other content"
    )
    parser.add_argument(
        "--action",
        default=ACTION,
        metavar="OWNER/REPO@REF",
        help=f"the nbgate Action the workflow uses (default: {ACTION})",
    )
    parser.add_argument(
        "--codeowners",
        nargs="+",
        metavar="OWNER",
        default=(),
        help="write a .github/CODEOWNERS line so registry changes need these owners' review "
        "(@org/team, @user or an email)",
    )
    parser.add_argument(
        "--workdir",
        dest="deploy_workdir",
        metavar="DIR",
        help="export.workdir: the project folder on the machine that runs exported jobs",
    )
    parser.add_argument(
        "--command",
        dest="deploy_command",
        metavar="CMD",
        help="export.command: how that machine runs nbgate (e.g. /opt/venv/bin/nbgate)",
    )
    parser.add_argument(
        "--image",
        dest="deploy_image",
        metavar="IMAGE",
        help="export.image: the container image of Kubernetes jobs",
    )
    parser.set_defaults(project_dir=lambda ns: ns.path, run=_run)


def _run(ns: argparse.Namespace, config: Config) -> int:
    return init(
        config=config,
        path=ns.path,
        force=ns.force,
        action=ns.action,
        codeowners=ns.codeowners,
        workdir=ns.deploy_workdir,
        command=ns.deploy_command,
        image=ns.deploy_image,
    )
