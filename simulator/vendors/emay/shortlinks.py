"""emay short links (§2.1.11, §2.1.14): ``{#短网址#}`` becomes a URL the simulator serves.

Rule 1 (普通规则): one short link per request, shared by every recipient, so a click cannot name the
phone (``mobile`` is empty).  Rule 2 (精确规则): one short link per recipient, so a click names it.
A visit to ``GET /emay/s/{code}`` records a click and redirects (302) to the long URL; getShortLink
hands out each click once, like getReport.
"""

from __future__ import annotations

import re
import string
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..base import fmt_time
from .wire import TIME_FMT

if TYPE_CHECKING:
    from ...core.sim import Sim

PLACEHOLDER = "{#短网址#}"
LINKS = "emay.shortlinks"
CLICKS = "emay.clicks"
STREAM = "shortlink"
PATH = "/emay/s/"
ALPHABET = string.digits + string.ascii_letters


@dataclass
class ShortLink:
    code: str
    url: str  # the short URL put in the message
    long_url: str
    app_id: str
    rule: str  # "1" | "2"
    mobile: str = ""  # rule 2: the recipient
    created_at: float = 0.0
    clicks: int = 0


def new_code(sim: Sim) -> str:
    links = sim.store.collection(LINKS)
    while True:
        code = "".join(sim.rng.choice(ALPHABET) for _ in range(10))
        if code not in links:
            return code


def create(sim: Sim, base: str, long_url: str, app_id: str, rule: str, mobile: str = "") -> ShortLink:
    code = new_code(sim)
    link = ShortLink(code, base.rstrip("/") + PATH + code, long_url, app_id, rule, mobile, sim.clock.now())
    sim.store.collection(LINKS)[code] = link
    return link


def visit(sim: Sim, code: str, user_agent: str) -> ShortLink | None:
    link = sim.store.collection(LINKS).get(code)
    if link is None:
        return None
    link.clicks += 1
    ua = parse_user_agent(user_agent)
    click = {
        "mobile": link.mobile,
        "accessTime": fmt_time(sim.clock.now(), TIME_FMT),
        "equipment": ua.equipment,
        "browser": ua.browser,
        "longLink": link.long_url,
        "accessAddress": link.url,
        "userAgent": user_agent,
        "appId": link.app_id,
    }
    cid = sim.store.new_id("emay-click")
    sim.store.collection(CLICKS)[cid] = {"id": cid, "code": code, "device": ua.device, **click}
    sim.store.pull_put("emay", link.app_id, STREAM, click, None)
    sim.bus.publish("shortlink", vendor="emay", code=code, mobile=link.mobile, browser=ua.browser)
    return link


# -- a small user-agent parser: operating system (the document's ``equipment``), device, browser ----------
@dataclass
class UserAgent:
    equipment: str  # operating system and version: "Windows 10", "iOS 16.5", "Android 13"
    device: str  # "iPhone", "iPad", "Android phone", "Android tablet", "Desktop", "Unknown"
    browser: str  # "Chrome", "Safari", "WeChat", …

    def public(self) -> dict[str, Any]:
        return asdict(self)


WINDOWS = {"10.0": "10", "6.3": "8.1", "6.2": "8", "6.1": "7", "6.0": "Vista", "5.1": "XP", "5.2": "XP"}
# Order matters: in-app and derived browsers name Chrome/Safari in their user agent too.
BROWSERS = [
    ("MicroMessenger/", "WeChat"),
    ("QQ/", "QQ"),
    ("DingTalk/", "DingTalk"),
    ("AlipayClient/", "Alipay"),
    ("Weibo", "Weibo"),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("Edge/", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("MQQBrowser/", "QQ Browser"),
    ("QQBrowser/", "QQ Browser"),
    ("UCBrowser/", "UC Browser"),
    ("Quark/", "Quark"),
    ("baiduboxapp/", "Baidu"),
    ("HuaweiBrowser/", "Huawei Browser"),
    ("MiuiBrowser/", "MIUI Browser"),
    ("HeyTapBrowser/", "HeyTap Browser"),
    ("VivoBrowser/", "Vivo Browser"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("YaBrowser/", "Yandex"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("MSIE ", "IE"),
    ("Trident/", "IE"),
    ("Version/", "Safari"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-requests/", "python-requests"),
    ("Python/", "Python"),
    ("aiohttp", "Python"),
    ("okhttp/", "OkHttp"),
    ("Java/", "Java"),
]


def _dotted(v: str) -> str:
    return v.replace("_", ".")


def parse_user_agent(ua: str) -> UserAgent:
    if not ua:
        return UserAgent("Unknown", "Unknown", "Unknown")
    equipment, device = "Unknown", "Unknown"
    if m := re.search(r"(?:iPhone|CPU) OS (\d+(?:_\d+)*)", ua):
        equipment = "iOS " + _dotted(m.group(1))
        device = "iPad" if "iPad" in ua else "iPhone"
    elif "iPad" in ua or "iPhone" in ua:
        equipment, device = "iOS", "iPad" if "iPad" in ua else "iPhone"
    elif m := re.search(r"HarmonyOS[ /]?([\d.]*)", ua):
        equipment = ("HarmonyOS " + m.group(1)).strip()
        device = "Android tablet" if "Tablet" in ua else "Android phone"
    elif m := re.search(r"Android[ /]?([\d.]*)", ua):
        equipment = ("Android " + m.group(1)).strip()
        device = "Android phone" if "Mobile" in ua else "Android tablet"
    elif m := re.search(r"Windows NT (\d+\.\d+)", ua):
        equipment = "Windows " + WINDOWS.get(m.group(1), "NT " + m.group(1))
        device = "Desktop"
    elif m := re.search(r"Mac OS X (\d+(?:[_.]\d+)*)", ua):
        equipment = "Mac OS X " + _dotted(m.group(1))
        device = "Desktop"
    elif "CrOS" in ua:
        equipment, device = "Chrome OS", "Desktop"
    elif "Linux" in ua or "X11" in ua:
        equipment, device = "Linux", "Desktop"
    browser = "Unknown"
    for token, name in BROWSERS:
        if token in ua:
            browser = name
            break
    return UserAgent(equipment, device, browser)
