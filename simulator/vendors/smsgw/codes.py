"""smsgw code tables (seed 002 §7 STATUS, §8 RESULT, §9 STAT) and the mapping of core reasons onto them."""

from __future__ import annotations

from ...core.errors import SimError

# §7: the request-level result (`status`).
STATUS: dict[int, str] = {
    0: "鉴权成功",
    1: "消息包格式错误",
    2: "IP鉴权错误",
    3: "账号密码不正确",
    4: "版本号错误",
    5: "其它错误",
    6: "接入点错误（如账户本身开的是CMPP接入）",
    7: "账号状态异常（账号已停用）",
    21: "连接过多",
    100: "系统内部错误",
    102: "单次提交的号码数过多（建议200以内）",
}

# §8: the per-number submit result (`list[].result`).
RESULT: dict[int, str] = {
    0: "提交成功",
    10: "原发号码错误，即extno错误",
    15: "余额不足",
    17: "账号签名无效",
}

# §9: report codes (`stat`).  MO:NNNN carries an upstream gateway's own code.
STAT: dict[str, str] = {
    "DELIVRD": "短信投递成功",
    "EXPIRED": "Message validity period has expired",
    "DELETED": "Message has been deleted.",
    "REJECTED": "Message is in a rejected state",
    "MA:0001": "全局黑名单号码",
    "MA:0002": "内容非法",
    "MA:0003": "无法找到下级路由",
    "MA:0004": "未知",
    "MA:0005": "目的号码格式错误",
    "MA:0006": "系统拒绝",
    "MA:0009": "未定义错误",
    "MA:0011": "未知系统内部错误",
    "MA:0012": "防钓鱼",
    "MA:0013": "非法错误的包时序",
    "MA:0014": "非法的OP_ISDN号段",
    "MA:0021": "号码格式错误",
    "MA:0022": "号码超过半小时下发次数限制",
    "MA:0023": "客户黑名单号码",
    "MA:0024": "内容未报备",
    "MA:0025": "不支持该短信",
    "MA:0026": "分条发送，组包超时",
    "MA:0027": "通道黑名单",
    "MA:0028": "全局黑名单号段",
    "MA:0029": "通道黑名单号段",
    "MA:0030": "直接产生拒绝报告",
    "MO:200": "不支持分条短信",
    "MO:0254": "转发提交超时",
    "MO:0255": "转发提交过程中，连接断开",
}

# Scenario outcomes → STAT.  The table has no UNDELIV: an undeliverable message reports MA:0004 (未知).
REPORT_CODES: dict[str, str] = {
    "delivered": "DELIVRD",
    "undeliverable": "MA:0004",
    "expired": "EXPIRED",
    "rejected": "REJECTED",
    "blacklisted": "MA:0001",
}
INVALID_NUMBER_STAT = "MA:0005"  # 目的号码格式错误: a recipient that is not 11 digits starting with 1
SENSITIVE_STAT = "MA:0002"  # 内容非法: content containing one of the account's sensitive words

# Core (vendor-neutral) reasons → STATUS.  Anything else is 5 (其它错误).
REASON_STATUS: dict[str, int] = {
    "system_error": 100,
    "rate_limited": 21,
    "account_disabled": 7,
    "ip_not_allowed": 2,
    "outside_send_window": 5,
}


class SmsgwError(SimError):
    """A §7 STATUS to answer the whole request with."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(f"smsgw_{status}", message or STATUS[status])
        self.status = status


def status_for(err: SimError) -> int:
    if isinstance(err, SmsgwError):
        return err.status
    return REASON_STATUS.get(err.reason, 5)
