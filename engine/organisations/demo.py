"""Demo data: a slice of Liaoning's bureaus, institutes, capability ledger, owner units and users.

Region codes follow GB/T 2260. The slice exercises every routing path: counties with their own institute
(filing delegated to it), counties without one (delegated to the city-level institute), one county bureau
that handles filings itself, instrument types only the city or provincial institute may verify, a type no
institute is authorised for, and a calibration-only type (no verification regulation).

Organisation codes: ``<region>-bureau``, ``<region>-institute``, ``<region>-<owner slug>``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.models import Capability, Organisation, User
from engine.store.status import Level, OrgKind, Role

from .catalogue import INSTRUMENT_TYPES
from .passwords import hash_password

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "demo1234"

# Demo assumption: only a calibration specification exists, so the outcome is a 校准证书 (Notice 一.（四）3).
CALIBRATION_ONLY = frozenset({"multiparameter_monitor"})
# Nobody in the demo ledger is authorised for these: routing must answer "none".
UNAUTHORISED = frozenset({"tonometer"})

_COUNTY_TYPES = ("electronic_scale", "sphygmomanometer", "pressure_gauge", "water_meter")
_CITY_TYPES = (*_COUNTY_TYPES, "fuel_dispenser", "taximeter", "gas_meter", "breathalyzer")
_PROVINCE_TYPES = tuple(t for t in INSTRUMENT_TYPES if t not in UNAUTHORISED)
# Extra authorisations by institute region: gas detectors only at 沈阳 and 大连 among the cities.
_EXTRA_TYPES: dict[str, tuple[str, ...]] = {
    "210100": ("gas_detector",),
    "210200": ("gas_detector",),
    "210281": ("fuel_dispenser",),
}

_PROVINCE = ("210000", "辽宁省市场监督管理局", "辽宁省计量科学研究院", "liaoning")
# region, bureau, institute, slug
_CITIES = (
    ("210100", "沈阳市市场监督管理局", "沈阳市计量测试研究院", "shenyang"),
    ("210200", "大连市市场监督管理局", "大连市计量检验检测研究院", "dalian"),
    ("210300", "鞍山市市场监督管理局", "鞍山市计量测试研究院", "anshan"),
    ("211200", "铁岭市市场监督管理局", "铁岭市计量测试所", "tieling"),
)
# region, city region, bureau, institute or None, slug, filing handler: own institute / city institute / self
_COUNTIES = (
    ("210102", "210100", "沈阳市和平区市场监督管理局", None, "heping", "city"),
    ("210181", "210100", "新民市市场监督管理局", "新民市计量检定所", "xinmin", "own"),
    ("210123", "210100", "康平县市场监督管理局", None, "kangping", "self"),
    ("210202", "210200", "大连市中山区市场监督管理局", None, "zhongshan", "city"),
    ("210281", "210200", "瓦房店市市场监督管理局", "瓦房店市计量检定测试所", "wafangdian", "own"),
    ("210283", "210200", "庄河市市场监督管理局", "庄河市计量检定所", "zhuanghe", "own"),
    ("210302", "210300", "鞍山市铁东区市场监督管理局", None, "tiedong", "city"),
    ("210381", "210300", "海城市市场监督管理局", "海城市计量检定测试所", "haicheng", "own"),
    ("210321", "210300", "台安县市场监督管理局", None, "taian", "city"),
    ("211202", "211200", "铁岭市银州区市场监督管理局", None, "yinzhou", "city"),
    ("211282", "211200", "开原市市场监督管理局", "开原市计量检定测试所", "kaiyuan", "own"),
)
# county region, slug (= username), name
_OWNERS = (
    ("210181", "xinmin_gas", "新民市东城加油站"),
    ("210102", "heping_market", "沈阳市和平区南市农贸市场"),
    ("210123", "kangping_hospital", "康平县人民医院"),
    ("210281", "wafangdian_hospital", "瓦房店市中心医院"),
    ("210381", "haicheng_water", "海城市自来水公司"),
)
_PEOPLE = (
    "张伟 王芳 李娜 刘洋 陈静 杨磊 赵敏 黄强 周丽 吴军 徐婷 孙浩 马丽 朱涛 胡静 郭鹏 何燕 高峰 林琳 罗斌 "
    "郑洁 梁勇 谢颖 宋杰 唐敏 韩雪 冯刚 于洋 董丹 程亮 曹阳 袁媛 邓超 许晴 傅强 沈冰 曾敏 彭飞 吕薇 苏航"
).split()

_BUREAU_ROLES = (Role.BUREAU, Role.FILING_HANDLER, Role.MANAGER)
_INSTITUTE_ROLES = (Role.INSTITUTE, Role.FILING_HANDLER)
# Institute heads (所长): they work the institute's tasks and, as managers, see its stuck cases and figures.
# Every bureau login above is a manager already. Listed after everyone else so older names stay put.
_INSTITUTE_HEADS = (("shenyang_institute_head", "210100-institute"),
                    ("wafangdian_institute_head", "210281-institute"))
_HEAD_ROLES = (Role.INSTITUTE, Role.MANAGER)
FEATURED_MANAGERS = ("liaoning_bureau", "shenyang_bureau", "dalian_bureau", "xinmin_bureau", "wafangdian_bureau",
                     *(name for name, _code in _INSTITUTE_HEADS))


@dataclass(frozen=True)
class DemoLogin:
    """One demo account as a CLI prints it."""

    username: str
    display_name: str
    organisation: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class DemoSummary:
    """What ``load_demo_data`` did and the accounts it offers; all share ``password``."""

    created: bool
    password: str
    logins: tuple[DemoLogin, ...]

    def by_role(self) -> dict[str, list[DemoLogin]]:
        """Logins grouped by role code, in ``Role`` order; a user with several roles is listed under each."""
        groups = {str(r): [lg for lg in self.logins if r in lg.roles] for r in Role}
        return {role: logins for role, logins in groups.items() if logins}

    def shown(self, per_role: int) -> dict[str, tuple[list[DemoLogin], int]]:
        """What a console prints per role: a few logins and how many more there are. Managers show one of
        each level (province, city, county bureau, institute heads), so every kind of manager is offered."""
        shown = {}
        for role, logins in self.by_role().items():
            if role == Role.MANAGER:
                featured = [lg for name in FEATURED_MANAGERS for lg in logins if lg.username == name]
                first = featured or logins[:per_role]
            else:
                first = logins[:per_role]
            shown[role] = (first, len(logins) - len(first))
        return shown


@dataclass(frozen=True)
class _Org:
    code: str
    name: str
    kind: OrgKind
    level: Level
    region: str
    parent: str | None = None
    supervisor: str | None = None
    delegate: str | None = None


@dataclass(frozen=True)
class _User:
    username: str
    org: _Org
    roles: tuple[str, ...]


def load_demo_data(session: Session) -> DemoSummary:
    """Add the demo slice unless its organisations exist already; flushes, never commits.

    A database loaded by an older version gets the demo accounts added since (by username), nothing else.
    """
    orgs, users, capabilities = _orgs(), list(_users()), list(_capabilities())
    existing = session.scalars(select(Organisation.code).where(Organisation.code.in_([o.code for o in orgs])))
    created = existing.first() is None
    if created:
        _insert(session, orgs, users, capabilities)
        logger.info("Demo data loaded: %d organisations, %d users", len(orgs), len(users))
    else:
        added = _add_missing_users(session, users)
        logger.info("Demo data already present; %d new demo users added", added)
    logins = tuple(
        DemoLogin(u.username, _display_name(i), u.org.name, tuple(str(r) for r in u.roles))
        for i, u in enumerate(users)
    )
    return DemoSummary(created=created, password=DEMO_PASSWORD, logins=logins)


def _insert(session: Session, orgs: list[_Org], users: list[_User], caps: list[tuple[str, str]]) -> None:
    rows = {
        o.code: Organisation(code=o.code, name=o.name, kind=o.kind, level=o.level, region_code=o.region)
        for o in orgs
    }
    session.add_all(rows.values())
    session.flush()  # ids first: delegates and supervisors may point at rows added after them

    def ref(code: str | None) -> int | None:
        return rows[code].id if code is not None else None

    for o in orgs:
        row = rows[o.code]
        row.parent_id, row.supervisor_id, row.delegate_id = ref(o.parent), ref(o.supervisor), ref(o.delegate)
    for code, instrument_type in caps:
        has_reg = instrument_type not in CALIBRATION_ONLY
        session.add(
            Capability(institute_id=rows[code].id, instrument_type=instrument_type, has_regulation=has_reg)
        )
    # One salted hash shared by all demo accounts: they share a published password anyway, and scrypt
    # (werkzeug's maintained default) costs ~0.2 s a hash. Real accounts get their own hash.
    password_hash = hash_password(DEMO_PASSWORD)
    session.add_all(
        User(
            username=u.username,
            display_name=_display_name(i),
            password_hash=password_hash,
            organisation_id=rows[u.org.code].id,
            roles=",".join(u.roles),
            active=True,
        )
        for i, u in enumerate(users)
    )
    session.flush()


def _add_missing_users(session: Session, users: list[_User]) -> int:
    """Add the demo users an older demo load lacks, at their (existing) organisations."""
    names = set(session.scalars(select(User.username).where(User.username.in_([u.username for u in users]))))
    codes = {u.org.code for u in users if u.username not in names}
    if not codes:
        return 0
    rows = session.execute(select(Organisation.code, Organisation.id).where(Organisation.code.in_(codes)))
    org_ids = {code: org_id for code, org_id in rows}
    missing = [(i, u) for i, u in enumerate(users) if u.username not in names and u.org.code in org_ids]
    password_hash = hash_password(DEMO_PASSWORD)
    session.add_all(User(username=u.username, display_name=_display_name(i), password_hash=password_hash,
                         organisation_id=org_ids[u.org.code], roles=",".join(u.roles), active=True)
                    for i, u in missing)
    session.flush()
    return len(missing)


def _orgs() -> list[_Org]:
    """Every demo organisation, province first; the order fixes the user list and display names."""
    region, bureau, institute, _slug = _PROVINCE
    province = f"{region}-bureau"
    orgs = [
        _Org(province, bureau, OrgKind.PROVINCE_BUREAU, Level.PROVINCE, region),
        _Org(f"{region}-institute", institute, OrgKind.INSTITUTE, Level.PROVINCE, region, province, province),
    ]
    for region, bureau, institute, _slug in _CITIES:
        code = f"{region}-bureau"
        orgs.append(_Org(code, bureau, OrgKind.CITY_BUREAU, Level.CITY, region, province))
        orgs.append(_Org(f"{region}-institute", institute, OrgKind.INSTITUTE, Level.CITY, region, code, code))
    for region, city, bureau, own_institute, _slug, handler in _COUNTIES:
        code = f"{region}-bureau"
        delegate = {"own": f"{region}-institute", "city": f"{city}-institute", "self": None}[handler]
        orgs.append(
            _Org(code, bureau, OrgKind.COUNTY_BUREAU, Level.COUNTY, region, f"{city}-bureau", None, delegate)
        )
        if own_institute is not None:
            orgs.append(
                _Org(
                    f"{region}-institute", own_institute, OrgKind.INSTITUTE, Level.COUNTY, region, code, code
                )
            )
    for region, slug, name in _OWNERS:
        orgs.append(_Org(f"{region}-{slug}", name, OrgKind.OWNER, Level.COUNTY, region, f"{region}-bureau"))
    return orgs


def _users() -> Iterator[_User]:
    by_code = {o.code: o for o in _orgs()}
    slugs = {r[0]: r[-1] for r in (_PROVINCE, *_CITIES)} | {r[0]: r[4] for r in _COUNTIES}
    for org in by_code.values():
        if org.kind == OrgKind.INSTITUTE:
            yield _User(f"{slugs[org.region]}_institute", org, _INSTITUTE_ROLES)
        elif org.kind != OrgKind.OWNER:
            yield _User(f"{slugs[org.region]}_bureau", org, _BUREAU_ROLES)
    for region, slug, _name in _OWNERS:
        yield _User(slug, by_code[f"{region}-{slug}"], (Role.OWNER,))
    province = by_code[f"{_PROVINCE[0]}-bureau"]
    yield _User("policy", province, (Role.POLICY,))
    yield _User("admin", province, (Role.ADMIN,))
    for username, code in _INSTITUTE_HEADS:
        yield _User(username, by_code[code], _HEAD_ROLES)


def _capabilities() -> Iterator[tuple[str, str]]:
    """(institute code, instrument type) lines of the capability ledger (检定能力台账)."""
    for org in _orgs():
        if org.kind != OrgKind.INSTITUTE:
            continue
        base = {Level.PROVINCE: _PROVINCE_TYPES, Level.CITY: _CITY_TYPES, Level.COUNTY: _COUNTY_TYPES}
        for instrument_type in (*base[org.level], *_EXTRA_TYPES.get(org.region, ())):
            yield org.code, instrument_type


def _display_name(index: int) -> str:
    return _PEOPLE[index % len(_PEOPLE)]
