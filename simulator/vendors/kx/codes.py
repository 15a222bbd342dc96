"""kx code tables (seed 000 §12) and the mapping of core reasons and outcomes onto them."""

from __future__ import annotations

from ...core.errors import SimError

# §12.1 codes returned while submitting.  The document's PDF conversion put spaces between Latin and
# Chinese text; the messages here are the table's text without them.
API_CODES: dict[str, str] = {
    "0": "成功",
    "1": "失败",
    "2": "参数校验失败,参数不能为空",
    "3": "余额不足",
    "4": "用户不存在",
    "5": "未开通HTTP协议接口权限",
    "6": "sign校验失败",
    "7": "IP校验失败",
    "8": "time时间格式错误",
    "9": "扩展号格式错误",
    "10": "发送内容包含敏感词[{word}]",
    "11": "短信内容过长",
    "14": "ts校验有误,要求5分钟内有效",
    "15": "号码个数超过限制",
    "16": "超出可定时发送时间",
    "17": "超出可发送时间范围",
}

# Core (vendor-neutral) reasons → §12.1 code.
REASON_CODES: dict[str, str] = {
    "system_error": "1",
    "rate_limited": "1",
    "insufficient_balance": "3",
    "account_disabled": "5",
    "ip_not_allowed": "7",
    "sensitive_word": "10",
    "outside_send_window": "17",
}

# §12.2 report codes for the scenario's outcomes.
REPORT_CODES: dict[str, str] = {
    "delivered": "DELIVRD",
    "undeliverable": "UNDELIV",
    "expired": "EXPIRED",
    "rejected": "REJECTD",
    "blacklisted": "F1120",
}

# §12.2 descriptions, used as the report's ``msg``.
REPORT_MESSAGES: dict[str, str] = {
    "DELIVRD": "成功",
    "EXPIRED": "短信接收失败",
    "UNDELIV": "短信接收失败",
    "REJECTD": "客户接收失败",
    "F110": "号码错误未知错误",
    "F1110": "号段错误,号段不存在",
    "F1120": "一级黑名单",
    "F1121": "二级黑名单",
    "F1122": "营销黑名单",
    "F1123": "群发黑名单",
    "F11300": "系统频控超过日限额",
    "F11301": "系统频控超过月限额",
    "F11330": "触发营销策略",
    "F122": "短信签名错误,签名为空",
    "F123": "短信内容错误,包含敏感词",
    "F100003": "发送时间段错误",
    "F100006": "用户余额不足",
    "F100007": "短信内容审核失败",
    "R0301MGC": "敏感词拦截",
    "R0302MB": "模板拦截",
    "R03": "规则拦截",
}


class KxError(SimError):
    """A §12.1 code to answer with."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(f"kx_{code}", message or API_CODES[code])
        self.code = code


def error_for(err: SimError) -> tuple[str, str]:
    """(code, msg) for any failure raised while handling a kx request."""
    if isinstance(err, KxError):
        return err.code, err.message
    code = REASON_CODES.get(err.reason, "1")
    msg = API_CODES[code]
    if code == "10":
        msg = msg.format(word=err.detail.get("word", ""))
    return code, msg


def report_message(code: str) -> str:
    return REPORT_MESSAGES.get(code, "短信接收失败")
