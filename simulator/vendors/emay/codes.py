"""emay code tables (seed 004 §3 and §4) and the mapping of core reasons and outcomes onto them."""

from __future__ import annotations

from ...core.errors import SimError

# §3 接口状态码表.  ERROR_SYSTEM is not in the table: see SYSTEM_ERROR below.
API_CODES: dict[str, str] = {
    "SUCCESS": "成功",
    "ERROR_APPID": "AppId错误",
    "ERROR_NO_VOICE_SERVICE": "语音服务未开启",
    "ERROR_ENCRYPTION": "解密失败【安全接口专用】",
    "ERROR_PARAMS": "请求参数错误",
    "ERROR_REQUEST_NO_VALID": "请求超时【安全接口专用】",
    "ERROR_CLIENT_IP": "不识别的Ip",
    "ERROR_OVER_SPEED": "请求超速",
    "ERROR_MOBILE_EMPTY": "手机号为空",
    "ERROR_MOBILE_NUMBER": "号码数量过多",
    "ERROR_MOBILE_ERROR": "手机号码错误",
    "ERROR_CONTENT_EMPTY": "短信内容为空",
    "ERROR_SMS_TIME": "定时时间过早或过久",
    "ERROR_CUSTOM_SMSID": "自定义消息ID过长",
    "ERROR_EXTENDED_CODE": "扩展码错误",
    "ERROR_LONG_CONTENT": "短信内容过长",
    "ERROR_VOICE_CONTENT": "语音验证码格式错误",
    "ERROR_BALANCE": "余额不足",
    "ERROR_TIMESTAMP": "时间戳错误",
    "ERROR_SIGN": "签名错误",
    "ERROR_NO_RETRIEVE_SERVICE": "未开通重新获取状态报告服务",
    "ERROR_REPORT_TIME": "状态报告时间错误",
    "ERROR_TOO_MUCH_SMSIDS": "SMSID过多",
}

# The document has no code for an internal failure of the platform; the simulator answers this one
# (documented in docs/vendors/emay.md) for the scenario's system_error fault.
SYSTEM_ERROR = "ERROR_SYSTEM"

# Core (vendor-neutral) reasons → §3 code.
REASON_CODES: dict[str, str] = {
    "system_error": SYSTEM_ERROR,
    "rate_limited": "ERROR_OVER_SPEED",
    "insufficient_balance": "ERROR_BALANCE",
    "account_disabled": "ERROR_APPID",
    "ip_not_allowed": "ERROR_CLIENT_IP",
}

# §4 状态报告状态码表: the scenario's outcomes.
REPORT_CODES: dict[str, str] = {
    "delivered": "DELIVRD",
    "undeliverable": "FAIL_MOBILE",
    "expired": "TIMEOUT",
    "rejected": "FAIL_RESPONSE",
    "blacklisted": "FAIL_BLACK_LIST",
}

# §4 descriptions, used as the report's ``desc``.
REPORT_DESC: dict[str, str] = {
    "DELIVRD": "成功",
    "TIMEOUT": "运营商状态报告超时",
    "FAIL_BALANCE": "余额不足",
    "FAIL_MOBILE": "手机号错误",
    "FAIL_MOBILE_SUPPORT": "手机号不支持",
    "FAIL_MOBILE_REPEAT": "手机号重复",
    "FAIL_AUDITING_REFUSED": "审核拒绝",
    "FAIL_BLACK_LIST": "黑名单失败",
    "FAIL_BLACK_DICT": "黑字典失败",
    "FAIL_UNSUBSCRIBE": "用户退订",
    "FAIL_WHITE_LIST": "白名单失败",
    "FAIL_INTERCEPT": "拦截失败",
    "FAIL_SIGN": "签名错误",
    "FAIL_SEND_FILTER": "发送频率过快",
    "FAIL_RESPONSE": "运营商响应失败",
    "FAIL_UNKNOW": "未知失败",
}


class EmayError(SimError):
    """A §3 code to answer with."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(f"emay_{code}", message or API_CODES.get(code, code))
        self.code = code


def code_for(err: SimError) -> str:
    """The §3 code for any failure raised while handling an emay request."""
    if isinstance(err, EmayError):
        return err.code
    return REASON_CODES.get(err.reason, SYSTEM_ERROR)


def report_desc(code: str) -> str:
    """The §4 description; a state outside the table (a scenario's raw code) is 未知失败."""
    return REPORT_DESC.get(code, REPORT_DESC["FAIL_UNKNOW"])
