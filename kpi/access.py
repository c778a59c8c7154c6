"""Who may do what: the deployment's access policy (data/access.toml) and the role each write needs.

Reading is configurable because bureaus differ: on most intranets the dashboard and the wall display are open to anyone
on the network, elsewhere only signed-in staff may look. Writing is not configurable: every write path (UI and CLI)
asks ``refusal()`` with the signed-in user, so the rule lives here once and a page cannot forget a role.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kpi import auth

ACCESS_ENV = "KPI_ACCESS"
PROJECT_ROOT = Path(__file__).resolve().parents[1]

# action → (the least role that may do it, what it is called in messages)
ACTIONS: dict[str, tuple[str, str]] = {
    "view": ("view", "查看数据"),
    "download_raw": ("view", "下载原始报表"),
    "load": ("load", "导入报表"),
    "revert": ("admin", "撤销导入批次"),
    "targets": ("admin", "修改目标"),
    "plan_targets": ("admin", "修改十五五规划目标"),
    "boundaries": ("admin", "导入地图边界"),
    "users": ("admin", "管理账号"),
    "audit": ("admin", "查看操作日志"),
    "restore": ("admin", "恢复数据库"),
}


class AccessFileError(ValueError):
    """data/access.toml cannot be used; the message is Chinese."""


@dataclass(frozen=True)
class Policy:
    anonymous_pages: bool = True
    anonymous_screen: bool = True
    oidc: bool = False

    def may_view(self, session, screen: bool = False) -> bool:
        """Whether this visitor may see data: anyone when the deployment allows it, else a signed-in user."""
        if (self.anonymous_screen if screen else self.anonymous_pages):
            return True
        return auth.can(session, "view")


def default_path() -> Path:
    env = os.environ.get(ACCESS_ENV)
    return Path(env) if env else PROJECT_ROOT / "data" / "access.toml"


def load_policy(path: Path | str | None = None) -> Policy:
    """The policy in ``path`` (default: $KPI_ACCESS, else data/access.toml); the defaults when the file is absent.

    A file that exists but cannot be read raises AccessFileError rather than falling back: a deployment that wrote
    ``pages = false`` must never be opened up by a typo.
    """
    path = Path(path) if path else default_path()
    if not path.exists():
        return Policy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccessFileError(f"访问设置文件 {path} 无法读取：{exc}") from exc
    anonymous, oidc = data.get("anonymous", {}), data.get("oidc", {})
    values = {"anonymous.pages": anonymous.get("pages", True), "anonymous.screen": anonymous.get("screen", True),
              "oidc.enabled": oidc.get("enabled", False)}
    wrong = [k for k, v in values.items() if not isinstance(v, bool)]
    if wrong:
        raise AccessFileError(f"访问设置文件 {path} 中 {'、'.join(wrong)} 应为 true 或 false")
    return Policy(values["anonymous.pages"], values["anonymous.screen"], values["oidc.enabled"])


def required_role(action: str) -> str:
    return ACTIONS[action][0]


def allowed(session, action: str) -> bool:
    return auth.can(session, required_role(action))


def refusal(session, action: str) -> str | None:
    """Why ``session`` may not do ``action`` (Chinese, for the page or the terminal), or None when it may."""
    role, what = ACTIONS[action]
    if auth.can(session, role):
        return None
    needed = "、".join(auth.ROLES[r] for r in auth.ROLE_ORDER[auth.role_rank(role):])
    if session is None:
        return f"{what}需要登录（{needed}角色）。"
    return f"当前账号“{session.username}”的角色是“{auth.ROLES.get(session.role, session.role)}”，不能{what}（需要{needed}角色）。"
