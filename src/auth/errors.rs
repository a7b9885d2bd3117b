//! Why a sign-in, a token or a password was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of the accounts' sessions: logins, tokens, passwords, phone numbers.
    pub enum AuthReason {
        WRONG_CREDENTIALS => "手机号或密码错误", "wrong phone number or password";
        ACCOUNT_DISABLED => "该账号已停用，请联系园区管理部门", "this account is disabled; contact the zone administration";
        ACCOUNT_GONE => "该账号已不存在", "the account no longer exists";
        LOGIN_LOCKED => "登录失败次数过多，请 {seconds} 秒后再试，或请园区管理部门解锁", "too many failed logins; try again in {seconds} seconds or ask the zone administration to unlock";
        ACCESS_TOKEN_INVALID => "访问令牌无效", "the access token is not valid";
        ACCESS_TOKEN_EXPIRED => "访问令牌已过期，请刷新", "the access token has expired; refresh it";
        AUTHORIZATION_MALFORMED => "Authorization 请求头格式应为 `Bearer <accessToken>`", "the Authorization header must be `Bearer <accessToken>`";
        REFRESH_TOKEN_UNKNOWN => "刷新令牌无法识别，请重新登录", "the refresh token is not recognised; log in again";
        REFRESH_TOKEN_REUSED => "刷新令牌已被使用过，请重新登录", "the refresh token was already used; log in again";
        SESSION_ENDED => "会话已结束，请重新登录", "the session has ended; log in again";
        SESSION_EXPIRED => "会话已过期，请重新登录", "the session has expired; log in again";
        PASSWORD_TOO_SHORT => "密码至少需要 {min} 个字符", "a password needs at least {min} characters";
        PASSWORD_TOO_LONG => "密码最多 {max} 个字符", "a password has at most {max} characters";
        PASSWORD_COMMON => "这是常见密码，很容易被猜到（强度 {score}/4，至少需要 {min}）", "this is a common password and easy to guess (strength {score}/4, at least {min} needed)";
        PASSWORD_LIKE_COMMON => "与常见密码太相似，替换字母为数字或符号并不增加多少强度（强度 {score}/4，至少需要 {min}）", "this is too similar to a common password; swapping letters for digits or symbols does not help much (strength {score}/4, at least {min} needed)";
        PASSWORD_PATTERN => "键盘上的连续按键或 abc、123 这样的序列很容易被猜到（强度 {score}/4，至少需要 {min}）", "rows of keys and sequences like abc or 123 are easy to guess (strength {score}/4, at least {min} needed)";
        PASSWORD_REPEATS => "重复的字符或片段很容易被猜到（强度 {score}/4，至少需要 {min}）", "repeated characters or parts are easy to guess (strength {score}/4, at least {min} needed)";
        PASSWORD_DATE => "年份和日期很容易被猜到（强度 {score}/4，至少需要 {min}）", "years and dates are easy to guess (strength {score}/4, at least {min} needed)";
        PASSWORD_WORD => "单个词语或姓名很容易被猜到，请再加几个不相关的词（强度 {score}/4，至少需要 {min}）", "a single word or name is easy to guess; add a few unrelated words (strength {score}/4, at least {min} needed)";
        PASSWORD_PERSONAL => "密码不能包含手机号或姓名", "a password must not contain the phone number or the name";
        PASSWORD_WEAK => "密码太容易被猜到，请用几个不相关的词或更长的密码（强度 {score}/4，至少需要 {min}）", "this password is too easy to guess; use a few unrelated words or a longer password (strength {score}/4, at least {min} needed)";
        PASSWORD_BLANK => "密码不能全是空格", "a password cannot be only spaces";
        PASSWORD_UNCHANGED => "新密码不能与原密码相同", "the new password must differ from the old one";
        PASSWORD_WRONG => "当前密码不正确", "the current password is wrong";
        PHONE_NOT_MOBILE => "手机号应为 11 位中国大陆手机号码，例如 13812345678", "a phone number is a mainland mobile number of 11 digits, such as 13812345678";
        PHONE_BAD_PREFIX => "手机号应以 13–19 开头", "a mobile number starts with 13–19";
        UNLOCK_NEEDS_KEY => "请提供手机号、地址或两者", "give a phone number, an address or both";
        OFFICER_COMPANIES_FORBIDDEN => "只有管理员和该专员本人可以查看其服务的企业", "only admins and the officer may list an officer's companies";
        PASSWORD_CHANGE_REQUIRED => "请先修改密码：此账号的密码由管理员设置，修改前只能查看本人信息和修改密码", "change your password first: an admin set it, and until it is changed this account may only read `me` and change the password";
        SECOND_FACTOR_REQUIRED => "请输入身份验证器中的 6 位动态码（或一个恢复码）", "enter the 6-digit code from your authenticator app (or a recovery code)";
        SECOND_FACTOR_WRONG => "动态码或恢复码不正确", "the code or recovery code is wrong";
        SECOND_FACTOR_ENROLMENT_REQUIRED => "生产环境的管理员必须先启用两步验证：调用 beginSecondFactorEnrolment 和 confirmSecondFactorEnrolment", "admins in production must turn on the second factor first: call beginSecondFactorEnrolment and confirmSecondFactorEnrolment";
        SECOND_FACTOR_ALREADY_ON => "两步验证已启用；如需更换，请先停用", "the second factor is already on; turn it off first to replace it";
        SECOND_FACTOR_NOT_STARTED => "请先调用 beginSecondFactorEnrolment", "call beginSecondFactorEnrolment first";
        SECOND_FACTOR_OFF => "此账号未启用两步验证", "this account has no second factor";
        SESSION_NOT_FOUND => "没有该会话", "no such session";
        NOT_AN_OFFICER => "只有服务专员才服务企业", "only officers serve companies";
    }
}
