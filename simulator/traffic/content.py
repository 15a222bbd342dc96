"""What the traffic says: a seeded plan of sends, made plausible with faker (zh_CN).

:class:`Planner` turns a seed into an endless, reproducible sequence of :class:`Item`: which vendor,
which recipients (a fixed population of subscribers, so phones receive several messages, plus a share
of the default scenario's magic numbers so every outcome appears), the text (verification codes,
parcel and appointment notices, card alerts, marketing with a 退订 footer, long notices of several
segments) and which recipients answer, with what.  Nothing here depends on time or on the answers,
so the same seed always gives the same plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

MAGIC = [f"1380000000{d}" for d in range(9)]  # the default scenario's magic numbers (README)
POPULATION = 300  # subscribers per run: phones get several messages and can hold a conversation
KINDS = {"verify": 30, "parcel": 18, "appointment": 10, "bill": 12, "marketing": 20, "notice": 10}
BATCH_KINDS = {"marketing"}  # sent to several recipients in one request


@dataclass
class Template:
    """A huawei template the account may use: its id, sender channel, and each variable's max length."""

    id: str
    channel: str
    verify: bool
    max_lengths: list[int]


@dataclass
class Item:
    seq: int
    vendor: str
    kind: str
    recipients: list[str]
    signature: str  # without 【】; vendors that sign content put it in front
    text: str  # the body, without the signature
    template: str | None = None  # huawei: template id, channel and parameters instead of text
    channel: str | None = None
    params: list[str] = field(default_factory=list)
    replies: dict[str, str] = field(default_factory=dict)  # recipient → what the phone answers

    def content(self) -> str:
        return f"【{self.signature}】{self.text}"

    def plan(self) -> dict[str, Any]:
        """Everything decided for this item (what the determinism test compares)."""
        return {
            "seq": self.seq,
            "vendor": self.vendor,
            "kind": self.kind,
            "recipients": self.recipients,
            "signature": self.signature,
            "text": self.text,
            "template": self.template,
            "params": self.params,
            "replies": self.replies,
        }


BRANDS = {
    "verify": ["科技", "支付", "云服务", "出行", "健康", "教育"],
    "parcel": ["快递", "速运", "物流", "驿站"],
    "appointment": ["人民医院", "口腔医院", "车管所", "政务服务中心", "美容院"],
    "bill": ["银行", "农商银行", "信用卡中心", "燃气", "电力"],
    "marketing": ["商城", "优选", "超市", "影城", "茶饮", "生鲜"],
    "notice": ["物业", "社区服务中心", "供水公司", "保险", "证券"],
}
PRODUCTS = ["羽绒服", "洗衣液", "大米", "车厘子", "运动鞋", "面膜", "保温杯", "牛奶", "月饼", "纸巾"]
EVENTS = ["店庆", "双十一", "年货节", "会员日", "周年庆", "清仓特卖", "开学季"]
DEPARTMENTS = ["内科", "口腔科", "眼科", "皮肤科", "骨科", "儿科"]
REASONS = ["管道检修", "二次供水设施清洗", "电力线路改造", "消防设施年检"]
REPLIES = {
    "verify": ["不是我操作的", "收到", "验证码怎么还没到？"],
    "parcel": ["放门口就行，谢谢", "我下班后去取", "能送到{street}吗？", "已取件", "麻烦放快递柜"],
    "appointment": ["好的，准时到", "请问可以改到{weekday}吗？", "需要空腹吗？", "取消预约"],
    "bill": ["这笔不是我消费的", "收到", "怎么查账单明细？"],
    "marketing": ["TD", "退订", "T", "有{product}吗？", "活动到什么时候？"],
    "notice": ["收到，谢谢通知", "几点能恢复？", "知道了"],
}
COMMON_REPLIES = ["好的", "谢谢", "收到", "TD", "我是{name}，请回电"]
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


class Planner:
    """An endless, seeded plan of sends for the given vendors."""

    def __init__(
        self,
        seed: int,
        vendors: list[str],
        *,
        magic_share: float = 0.1,
        reply_share: float = 0.1,
        huawei_templates: list[Template] | None = None,
        max_batch: int = 5,
    ) -> None:
        self.rng = random.Random(seed)
        from faker import Faker  # here: importing faker takes ~0.1 s of serve's start-up otherwise

        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.vendors = list(vendors)
        self.magic_share = magic_share
        self.reply_share = reply_share
        self.huawei_templates = huawei_templates or []
        self.max_batch = max_batch
        self.seq = 0
        self.people = self._population()

    def _population(self) -> list[tuple[str, str]]:
        people: dict[str, str] = {}
        while len(people) < POPULATION:
            mobile = self.fake.phone_number()
            if len(mobile) == 11 and mobile.startswith("1") and not mobile.startswith("138000000"):
                people.setdefault(mobile, self.fake.name())
        return list(people.items())

    def __iter__(self) -> Planner:
        return self

    def __next__(self) -> Item:
        self.seq += 1
        vendor = self.rng.choice(self.vendors)
        if vendor == "huawei" and self.huawei_templates:
            return self._huawei(vendor)
        kind = self.rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        n = self.rng.randint(2, self.max_batch) if kind in BATCH_KINDS else 1
        people = self.rng.sample(self.people, n)
        text = getattr(self, f"_{kind}")(people[0][1])
        return self._finish(vendor, kind, people, self._brand(kind), text)

    # -- helpers ---------------------------------------------------------------------------------------
    def _finish(
        self, vendor: str, kind: str, people: list[tuple[str, str]], signature: str, text: str, **kw: Any
    ) -> Item:
        recipients: list[str] = []
        replies: dict[str, str] = {}
        for mobile, name in people:
            if self.rng.random() < self.magic_share:
                mobile = self.rng.choice(MAGIC)
            elif self.rng.random() < self.reply_share:
                replies[mobile] = self._reply(kind, name)
            if mobile not in recipients:
                recipients.append(mobile)
        return Item(self.seq, vendor, kind, recipients, signature, text, replies=replies, **kw)

    def _brand(self, kind: str) -> str:
        city = self.fake.city_name()
        suffix = self.rng.choice(BRANDS[kind])
        if kind in ("verify", "marketing", "parcel"):
            prefix = self.fake.company_prefix().removesuffix("公司")[-2:]
            return f"{prefix}{suffix}"
        return f"{city}{suffix}"

    def _code(self, digits: int = 6) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(digits))

    def _when(self) -> str:
        return f"{self.rng.randint(1, 12)}月{self.rng.randint(1, 28)}日"

    def _clock(self) -> str:
        return f"{self.rng.randint(8, 20):02d}:{self.rng.choice(['00', '15', '30', '45'])}"

    def _money(self, low: int, high: int) -> str:
        return f"{self.rng.randint(low, high)}.{self.rng.randint(0, 99):02d}"

    def _reply(self, kind: str, name: str) -> str:
        pool = REPLIES[kind] + COMMON_REPLIES
        text = self.rng.choice(pool)
        return text.format(
            street=self.fake.street_name(),
            weekday=self.rng.choice(WEEKDAYS),
            product=self.rng.choice(PRODUCTS),
            name=name,
        )

    # -- the kinds of message -------------------------------------------------------------------------
    def _verify(self, name: str) -> str:
        minutes = self.rng.choice([3, 5, 10, 15])
        action = self.rng.choice(["登录", "注册", "修改密码", "绑定手机", "支付确认"])
        return (
            f"您正在进行{action}操作，验证码{self._code(self.rng.choice([4, 6]))}，{minutes}分钟内有效。"
            "请勿泄露给他人，如非本人操作请忽略本短信。"
        )

    def _parcel(self, name: str) -> str:
        place = f"{self.fake.street_name()}{self.fake.building_number()}{self.rng.choice(['驿站', '快递柜'])}"
        return (
            f"{name}您好，您的快递已到{place}，取件码{self._code(self.rng.choice([4, 6, 8]))}，"
            f"请于{self._when()}前取件，如有疑问请致电{self.fake.phone_number()}。"
        )

    def _appointment(self, name: str) -> str:
        dept = self.rng.choice(DEPARTMENTS)
        return (
            f"{name}您好，您已成功预约{self._when()} {self._clock()}{dept}门诊，"
            f"就诊序号{self.rng.randint(1, 60)}，"
            "请携带身份证提前15分钟到达，如需取消请提前一天回复取消。"
        )

    def _bill(self, name: str) -> str:
        when = f"{self._when()}{self._clock()}"
        return (
            f"您尾号{self._code(4)}的账户于{when}{self.rng.choice(['消费支出', '转账收入', '还款'])}"
            f"人民币{self._money(5, 9999)}元，当前余额{self._money(100, 99999)}元。"
        )

    def _marketing(self, name: str) -> str:
        event, product = self.rng.choice(EVENTS), self.rng.choice(PRODUCTS)
        low = self.rng.choice([100, 200, 300])
        return (
            f"亲爱的会员，{event}来啦！{product}全场{self.rng.randint(3, 8)}折起，满{low}减{low // 5}，"
            f"活动截止{self._when()}，门店地址：{self.fake.street_address()}。"
            f"回{self.rng.choice(['TD', 'T', 'R'])}退订"
        )

    def _notice(self, name: str) -> str:
        """A long notice: well over 70 characters, so it is billed as several segments."""
        estate = f"{self.fake.street_name()}{self.rng.choice(['小区', '花园', '家园', '公寓'])}"
        start, end = sorted([self.rng.randint(8, 20), self.rng.randint(8, 20)])
        parts = [
            f"尊敬的{estate}业主：因{self.rng.choice(REASONS)}，{self._when()}{start}:00至{end + 2}:00",
            "小区将暂停供水供电，请提前做好储水准备并关闭家中用电设备。",
            "施工期间电梯停止运行，请老人和小孩注意安全，出行请走步行梯。",
            f"给您带来的不便敬请谅解，如有疑问请致电物业服务中心{self.fake.phone_number()}。",
        ]
        if self.rng.random() < 0.5:
            parts.append(f"{self.fake.company()}感谢您的理解与支持，祝您生活愉快！")
        return "".join(parts)

    # -- huawei: only approved templates can be sent ------------------------------------------------------
    def _huawei(self, vendor: str) -> Item:
        t = self.rng.choice(self.huawei_templates)
        kind = "verify" if t.verify else "parcel"
        person = self.rng.choice(self.people)
        params = [self._param(t, n) for n in t.max_lengths]
        return self._finish(vendor, kind, [person], "", "", template=t.id, channel=t.channel, params=params)

    def _param(self, t: Template, max_length: int) -> str:
        """A value for one template variable: a code where it is short, a place name where it is long."""
        if t.verify or max_length <= 8:
            return self._code(min(6, max_length))
        return f"{self.fake.street_name()}{self.rng.choice(['菜鸟驿站', '快递柜', '门卫室'])}"[:max_length]
