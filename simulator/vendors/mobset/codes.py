"""mobset code tables (seed 003 §5 and §6) and the mapping of core reasons and outcomes onto them."""

from __future__ import annotations

import re

from ...core.errors import SimError

# §6 error codes a request to /SDK3/Sms can meet (the MMS, batch-file, template and signature-application
# ranges -201…-611 belong to interfaces this document does not describe).  -106 and -112 each appear
# twice in the table with two meanings; the text used is chosen where the code is raised.
ERRORS: dict[int, str] = {
    -229: "未定义错误",
    -199: "未定义错误",
    -198: "内部异常 1",
    -197: "内部异常 2",
    -190: "系统繁忙 1",
    -189: "系统繁忙 2",
    -191: "Method 不存在",
    -102: "请求参数不完整或有误",
    -107: "企业不存在或状态异常",
    -104: "帐号权限不足",
    -105: "帐号验证失败",
    -106: "非法访问 IP",
    -103: "帐号不存在",
    -109: "校验用户失败",
    -108: "校验用户产生异常",
    -110: "短信内容长度不符合要求",
    -111: "没有发送短信权限",
    -112: "目标号码数量不符合要求",
    -123: "企业状态异常",
    -124: "用户权限不足",
    -125: "企业已过期",
    -126: "超出当天最大发送量",
    -127: "不支持当前时段发送",
    -128: "企业余额不足以支持本次发送",
    -129: "用户余额不足以支持本次发送",
    -130: "代理商余额不足以支持本次发送",
    -131: "代理商状态异常",
    -132: "无短信签名或签名不符合规范",
    -133: "签名未报备或签名未审核通过",
    -139: "提交短信未知异常",
    -141: "取短信余额失败",
    -142: "短信 ID(SmsID) 不存在或不属于此用户",
    -143: "短信 ID(SmsID) 数量超出每次处理限额",
    -144: "取消短信未知异常",
}
USER_STATUS_TEXT = "用户状态异常"  # the second meaning of -112 in the table

# Core (vendor-neutral) reasons → §6 code.
REASON_CODES: dict[str, int] = {
    "rate_limited": -190,
    "insufficient_balance": -128,
    "account_disabled": -107,
    "ip_not_allowed": -106,
    "outside_send_window": -127,
}

# A method's own "unknown failure" code, used for ``system_error`` (scenario faults, unexpected errors).
SYSTEM_ERROR_BY_METHOD: dict[str, int] = {
    "SmsSend": -139,
    "SmsGetBalance": -141,
    "SmsCancel": -144,
}
SYSTEM_ERROR_DEFAULT = -198

# §5 report Status values.
STATUS_TEXT: dict[int, str] = {
    0: "提交成功",
    1: "含有过滤词, 需要审核, 现正审核中",
    2: "提交失败",
    3: "提交失败",
    4: "提交失败",
    5: "提交失败",
    6: "号码不支持",
    7: "含有过滤词, 需要审核, 审核不能通过",
    10: "发送成功",
    11: "发送失败",
    12: "接收成功",
    13: "接收失败",
    15: "未知状态",
}
RECEIVED = 12
NOT_RECEIVED = 13
REVIEW_FAILED = 7

# Scenario outcome → the report code kept on the message: the carrier's code (ExStatus).  The Status is
# 12 for delivered and 13 for every other outcome unless the code names it: "<Status>:<ExStatus>".
REPORT_CODES: dict[str, str] = {
    "delivered": "DELIVRD",
    "undeliverable": "UNDELIV",
    "expired": "EXPIRED",
    "rejected": "REJECTD",
    "blacklisted": "DB:0141",
}
SENSITIVE_CODE = f"{REVIEW_FAILED}:"  # filtered words: Status 7, no carrier code
_WITH_STATUS = re.compile(r"(\d{1,2}):(.*)", re.S)


def report_status(outcome: str, code: str) -> tuple[int, str]:
    """(Status, ExStatus) of a report from its outcome and the code kept on the message."""
    m = _WITH_STATUS.fullmatch(code)
    if m:
        return int(m.group(1)), m.group(2)
    return (RECEIVED if outcome == "delivered" else NOT_RECEIVED), code


class MobsetError(SimError):
    """A §6 code to answer with; ``detail`` is appended after a colon (-102 names the parameter)."""

    def __init__(self, code: int, detail: str = "", text: str | None = None) -> None:
        message = text or ERRORS[code]
        if detail:
            message = f"{message}:{detail}"
        super().__init__(f"mobset_{-code}", message)
        self.code = code


def missing(param: str, why: str = "") -> MobsetError:
    """-102 naming the parameter; ``why`` is the diagnosis (default: it is missing or empty)."""
    return MobsetError(-102, param).because(why or f"required parameter {param} is missing or empty")


def error_for(err: SimError, method: str | None) -> tuple[int, str]:
    """(Code, Message) for any failure raised while handling a mobset request."""
    if isinstance(err, MobsetError):
        return err.code, err.message
    if err.reason in REASON_CODES:
        code = REASON_CODES[err.reason]
    else:
        code = SYSTEM_ERROR_BY_METHOD.get(method or "", SYSTEM_ERROR_DEFAULT)
    return code, ERRORS[code]
