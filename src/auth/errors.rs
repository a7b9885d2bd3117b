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
        PASSWORD_BLANK => "密码不能全是空格", "a password cannot be only spaces";
        PASSWORD_UNCHANGED => "新密码不能与原密码相同", "the new password must differ from the old one";
        PASSWORD_WRONG => "当前密码不正确", "the current password is wrong";
        PHONE_NOT_MOBILE => "手机号应为 11 位中国大陆手机号码，例如 13812345678", "a phone number is a mainland mobile number of 11 digits, such as 13812345678";
        PHONE_BAD_PREFIX => "手机号应以 13–19 开头", "a mobile number starts with 13–19";
        UNLOCK_NEEDS_KEY => "请提供手机号、地址或两者", "give a phone number, an address or both";
        OFFICER_COMPANIES_FORBIDDEN => "只有管理员和该专员本人可以查看其服务的企业", "only admins and the officer may list an officer's companies";
        NOT_AN_OFFICER => "只有服务专员才服务企业", "only officers serve companies";
    }
}
