"""huawei code tables (seed 001 §3.2.3 and §4.2) and the mapping of core reasons and outcomes onto them."""

from __future__ import annotations

from ...core.errors import SimError

SUCCESS = "000000"
ALL_FAILED = "E000510"

# Request-level result codes of the send APIs: code → (HTTP status, description).  The HTTP status is
# the table's "响应码" column: 200 for 000000 and E000510, 400 for the E0000xx format errors, 401 for
# the E0001xx auth errors, 403 for the E0006xx limits.
API_CODES: dict[str, tuple[int, str]] = {
    "000000": (200, "Success"),
    "E000000": (400, "System error."),
    "E000001": (400, "Authorization not contained in the HTTP header."),
    "E000002": (400, "realm not contained in Authorization."),
    "E000003": (400, "profile not contained in Authorization."),
    "E000004": (400, "The value of realm in Authorization must be SDP."),
    "E000005": (400, "The value of profile in Authorization must be UsernameToken."),
    "E000006": (400, "The value of type in Authorization must be app_key."),
    "E000007": (400, "type not contained in Authorization."),
    "E000008": (400, "WSSE not contained in Authorization."),
    "E000020": (400, "X-WSSE not contained in the HTTP header."),
    "E000021": (400, "UserName not contained in X-WSSE."),
    "E000022": (400, "Nonce not contained in X-WSSE."),
    "E000023": (400, "Created not contained in X-WSSE."),
    "E000024": (400, "PasswordDigest not contained in X-WSSE."),
    "E000025": (400, "The format of Created is incorrect."),
    "E000026": (400, "UsernameToken not contained in X-WSSE."),
    "E000027": (400, "Invalid request."),
    "E000040": (400, "The value of ContentType must be application/x-www-form-urlencoded."),
    "E000041": (400, "X-Sdk-Date header is empty."),
    "E000042": (400, "The format of X-Sdk-Date header is invalid."),
    "E000043": (400, "The format of Authorization header is incorrect."),
    "E000044": (400, "X-Sdk-Date is expired."),
    "E000045": (400, "Authorization verify failed."),
    "E000503": (400, "The parameter format is incorrect."),
    "E000510": (200, "The SMS fails to be sent. For details, see status."),
    "E000101": (401, "Authentication failed."),
    "E000102": (401, "Invalid app_key."),
    "E000103": (401, "The status of the app_key is unavailable."),
    "E000104": (401, "Invalid app_secret."),
    "E000105": (401, "Invalid digest."),
    "E000106": (401, "The app_key is not allowed to invoke this API."),
    "E000109": (401, "The user status is deactivated."),
    "E000110": (401, "Time out limit."),
    "E000111": (401, "Incorrect username or password."),
    "E000112": (401, "The subscriber status is frozen."),
    "E000620": (403, "The app client ip is not in ip white list."),
    "E000623": (403, "Number of SMSs sent by the SP reached the limit."),
    "E000630": (403, "Number of SMSs sent by the SP reached the country/region limit."),
}

# Per-number `status` values of the send response (§3.2.3 表 3-90).
STATUS_TEMPLATE_VARIABLES = "E200028"  # variable count or a variable's length does not fit the template
STATUS_TYPE_MISMATCH = "E200029"  # channel (signature) and template do not belong together
STATUS_TEMPLATE_INACTIVE = "E200030"  # template unknown, not approved, or not this app's
STATUS_DUPLICATE = "E200041"  # the number appears twice for the same content (deduplicated)
STATUS_BAD_NUMBER = "E000503"  # digits-only number that does not fit the numbering rules

# Core (vendor-neutral) reasons → request-level code.
REASON_CODES: dict[str, str] = {
    "system_error": "E000000",
    "rate_limited": "E000623",
    "insufficient_balance": "E000112",  # the doc: the account is frozen when it is in arrears
    "account_disabled": "E000103",
    "ip_not_allowed": "E000620",
}

# Scenario outcome → status-report status (§3.2.5 表 3-103 and §4.2.3).
REPORT_CODES: dict[str, str] = {
    "delivered": "DELIVRD",
    "undeliverable": "UNDELIV",
    "expired": "EXPIRED",
    "rejected": "REJECTD",
    "blacklisted": "BLACK",
}

# Content checks the platform makes after accepting a message: reported at once with these codes.
INTERCEPT_SENSITIVE = "SC:0006"  # 禁用关键字拦截
INTERCEPT_SEND_WINDOW = "SC:0011"  # 时段管控拦截

# statusDesc of a report (§3.2.5 表 3-103 and §4.2.3 "Status 参数处理").
REPORT_DESCRIPTIONS: dict[str, str] = {
    "DELIVRD": "用户已成功收到短信。",
    "EXPIRED": "短信已超时。",
    "DELETED": "短信已删除。",
    "UNDELIV": "短信递送失败。",
    "ACCEPTD": "短信已接收。",
    "UNKNOWN": "短信状态未知。",
    "REJECTD": "短信被拒绝。",
    "BLACK": "号码黑名单。",
    "MBBLACK": "号码黑名单。",
    "TDBLACK": "号码黑名单。",
    "KEYWORD": "短信关键字拦截。",
    "MILIMIT": "号码达到分钟下发限制。",
    "LIMIT": "号码达到下发限制。",
    "E200018": "国内短信发送方通道校验失败。",
    "E200019": "国内短信发送方匹配通道失败。",
    "E200020": "国内短信签名通道校验失败。",
    "E200022": "国内短信接收方通道校验失败。",
    "E200023": "国内短信接收方匹配通道失败。",
    "E200027": "匹配网关失败。",
    "E200032": "短信需要模板。",
    "E200034": "短信重传超时。",
    "E200038": "接收长短信超时。",
    "SC:0001": "人工审核拦截",
    "SC:0003": "黑名单拦截",
    "SC:0006": "禁用关键字拦截",
    "SC:0010": "短信超频拦截",
    "SC:0011": "时段管控拦截",
    "SC:0016": "退订黑名单拦截",
    "SC:0017": "非报备模板拦截",
    "SC:0018": "非报备签名拦截",
}


class HuaweiError(SimError):
    """A request-level result code to answer with."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(f"huawei_{code}", message or API_CODES[code][1])
        self.code = code


def error_for(err: SimError) -> tuple[int, str, str]:
    """(HTTP status, code, description) for any failure raised while handling a send request."""
    if isinstance(err, HuaweiError):
        code = err.code
        return API_CODES[code][0], code, err.message
    code = REASON_CODES.get(err.reason, "E000000")
    status, text = API_CODES[code]
    return status, code, text


def report_description(code: str) -> str:
    return REPORT_DESCRIPTIONS.get(code, "短信递送失败。")


def report_source(code: str) -> str:
    """§3.2.5 `source`: 1 the platform made it, 2 the SMSC reported it, 3 the Huawei platform did."""
    if code == "EXPIRED":
        return "1"  # no report from the SMSC within the validity period: the platform constructs it
    if code.startswith(("SC:", "E")):
        return "3"
    return "2"


# §4.2.2 API 错误码（应用、签名、模板）: the codes this simulator returns, with the table's error_msg.
MANAGE_ERRORS: dict[str, str] = {
    "MSGSMS.0001": "Internal server error.",
    "MSGSMS.0002": "Invalid Parameter.",
    "MSGSMS.0003": "Request unauthorized.",
    "MSGSMS.0005": "Signature does not exist.",
    "MSGSMS.0006": "Signature type and name is duplicate.",
    "MSGSMS.0007": "Signature not allow to update, signature status must be Reject.",
    "MSGSMS.0008": "Template already exists.",
    "MSGSMS.0009": "Template does not exist.",
    "MSGSMS.0011": "File does not exist.",
    "MSGSMS.0012": "Signature id invalid.",
    "MSGSMS.0014": "App does not exist.",
    "MSGSMS.0015": "Template type cannot be empty or temp type invalid.",
    "MSGSMS.0017": "Power attorney file id cannot be empty.",
    "MSGSMS.0018": "Signature type is invalid.",
    "MSGSMS.0023": "The number of variables does not match the content of the template.",
    "MSGSMS.0024": "Template variable index is not continuous.",
    "MSGSMS.0025": "When the variable type is TEXT, the variable description cannot be empty.",
    "MSGSMS.0039": "Invalid day time format",
    "MSGSMS.0046": "Template name required",
    "MSGSMS.0049": "Invalid token",
    "MSGSMS.0051": "Application Name is duplicated",
    "MSGSMS.0053": "The number of applications is exceeded",
    "MSGSMS.0056": "User does not have permission for this operation",
    "MSGSMS.0076": "Message Application does not exist",
    "MSGSMS.0077": "Message Template Info does not EXIST",
    "MSGSMS.0084": "Invalid File",
    "MSGSMS.0104": "Service is not allowed in this country or region.",
    "MSGSMS.0130": "Signature status should be to be activated.",
    "MSGSMS.0132": "File name is empty, too long or have space.",
    "MSGSMS.0133": "File name illegal character.",
    "MSGSMS.0134": "Template not allow to update, template flow status must be Reject or Pending.",
    "MSGSMS.0144": "URL Path is empty.",
    "MSGSMS.0145": "URL Path is large than maximum size.",
    "MSGSMS.0151": "Template variable type is not supported.",
    "MSGSMS.0186": "Template not allow to revoke, template flow status must be Reviewing or SignReviewing.",
    "MSGSMS.0187": "Active template only allow to update template name.",
    "MSGSMS.0188": "Failed to update template.",
}
