//! The table of built-in redaction kinds: what each one matches and an example shape.
//!
//! A kind's name is what appears in the replacement (`[REDACTED:<kind>]`), in
//! [`crate::RedactionSummary::by_kind`] and in [`crate::RedactOptions::disabled`].

/// Which detector finds a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// A private key block (PEM, PuTTY), found from its armour lines.
    Key,
    /// A credential recognised by its shape alone (prefix, length, alphabet).
    Token,
    /// The password in a URL's user-info (`scheme://user:PASSWORD@host`).
    Url,
    /// The value assigned to a secret-named variable, key, option or header.
    Assignment,
}

/// One built-in kind.
#[derive(Clone, Copy, Debug)]
pub struct KindInfo {
    /// Name in the replacement text and the summary.
    pub name: &'static str,
    /// The detector that finds it.
    pub family: Family,
    /// What it matches, for people.
    pub matches: &'static str,
    /// An example of the shape (not a real credential).
    pub example: &'static str,
}

const fn k(name: &'static str, family: Family, matches: &'static str, example: &'static str) -> KindInfo {
    KindInfo { name, family, matches, example }
}

/// Every built-in kind, in the order the token detector tries them.
pub const KINDS: &[KindInfo] = &[
    k(
        "private-key",
        Family::Key,
        "PEM private key block from `-----BEGIN … PRIVATE KEY-----` through the matching END line (RSA, EC, DSA, \
         OPENSSH, ENCRYPTED, PKCS#8, PGP PRIVATE KEY BLOCK), also with literal `\\n` escapes inside a string; a \
         block cut short (no END) is redacted through its last base64 line",
        "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA…\\n-----END OPENSSH PRIVATE KEY-----",
    ),
    k(
        "putty-key",
        Family::Key,
        "PuTTY key file from `PuTTY-User-Key-File-N:` through its last header or base64 line (`Private-MAC:`)",
        "PuTTY-User-Key-File-3: ssh-ed25519 … Private-MAC: 5c1d…",
    ),
    k(
        "aws-access-key-id",
        Family::Token,
        "AWS access key id: AKIA/ASIA/ABIA/ACCA + 16 of [A-Z0-9]; AWS's documentation placeholder \
         (ending in EXAMPLE, e.g. AKIAIOSFODNN7EXAMPLE) is left alone",
        "AKIA2E0A8F3B244C9986",
    ),
    k(
        "github-token",
        Family::Token,
        "GitHub token: ghp_/gho_/ghu_/ghs_/ghr_ + 36 or more alphanumerics, github_pat_ + 22 or more",
        "ghp_0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R",
    ),
    k(
        "gitlab-token",
        Family::Token,
        "GitLab token: glpat-/gldt-/glrt-/glptt-/glcbt-/gloas- + 20 to 64 of [A-Za-z0-9_-] with a digit",
        "glpat-x1Y2z3A4b5C6d7E8f9G0",
    ),
    k(
        "slack-webhook",
        Family::Token,
        "Slack incoming webhook: the path after `https://hooks.slack.com/` (services/, workflows/, triggers/)",
        "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    k(
        "slack-token",
        Family::Token,
        "Slack token: xoxa-/xoxb-/xoxp-/xoxo-/xoxs-/xoxr- + 10 or more of [A-Za-z0-9-] with a digit",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    k(
        "stripe-key",
        Family::Token,
        "Stripe live secret or restricted key: sk_live_/rk_live_ + 20 or more alphanumerics (test keys are left alone)",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    ),
    k(
        "google-api-key",
        Family::Token,
        "Google API key: AIza + 35 of [A-Za-z0-9_-]",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    ),
    k(
        "anthropic-key",
        Family::Token,
        "Anthropic key: sk-ant-<kind><2 digits>- + 20 or more of [A-Za-z0-9_-]",
        "sk-ant-api03-AbC…",
    ),
    k(
        "openai-key",
        Family::Token,
        "OpenAI key: sk- (or sk-proj-, sk-svcacct-, sk-admin-) + 20 or more of [A-Za-z0-9_-] holding an upper-case \
         letter, a lower-case letter and a digit (so `sk-learn-…` and `task-…` are not keys)",
        "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t",
    ),
    k(
        "huggingface-token",
        Family::Token,
        "Hugging Face token: hf_ + 30 or more alphanumerics in mixed case",
        "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
    ),
    k("npm-token", Family::Token, "npm access token: npm_ + 36 alphanumerics", "npm_AbCdEf0123456789AbCdEf0123456789AbCd"),
    k("pypi-token", Family::Token, "PyPI upload token: pypi-AgEI + 50 or more of [A-Za-z0-9_-]", "pypi-AgEIcHlwaS5vcmc…"),
    k(
        "twilio-key",
        Family::Token,
        "Twilio API key SID: SK + 32 hex digits (letters and digits both present)",
        "SK0123456789abcdef0123456789abcdef",
    ),
    k(
        "sendgrid-key",
        Family::Token,
        "SendGrid API key: SG. + 22 + . + 43 of [A-Za-z0-9_-]",
        "SG.AbCdEfGhIjKlMnOpQrStUv.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG",
    ),
    k(
        "jwt",
        Family::Token,
        "JSON Web Token: three base64url parts, the first two starting `ey`, whose header decodes to a JSON object",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ),
    k(
        "azure-storage-key",
        Family::Token,
        "Azure storage or service-bus key in a connection string: the value of `AccountKey=` / `SharedAccessKey=` \
         (40 or more base64 characters)",
        "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=AbC…==;",
    ),
    k(
        "url-password",
        Family::Url,
        "The password of `scheme://user:password@host` (database URLs, git remotes, proxies); the user and host stay",
        "postgres://app:hunter2-prod@db.internal:5432/app",
    ),
    k(
        "password",
        Family::Assignment,
        "The value given to a password-named name (password, passwd, pass, pwd, passphrase, passcode, in any \
         case or compound: DB_PASSWORD, smtpPass, --password) in .env, shell, YAML, JSON, TOML, INI, XML, \
         connection strings and code; the name stays",
        "DB_PASSWORD=\"hunter2-prod\"",
    ),
    k(
        "secret",
        Family::Assignment,
        "The value given to a strongly secret-named name (…_TOKEN, …_SECRET, API_KEY, SECRET_ACCESS_KEY, \
         PRIVATE_KEY, CLIENT_SECRET, credentials, Authorization headers after Bearer/Basic/token)",
        "export GITHUB_TOKEN=0123abcd…",
    ),
    k(
        "high-entropy",
        Family::Assignment,
        "A random-looking value (16+ characters, letters and digits, Shannon entropy >= 3 bits per character, \
         not a UUID or a 40/64-digit hex digest) given to a weakly secret-named name (key, auth, cookie, session, \
         salt, dsn, hmac)",
        "key: \"q8XzT2vN5mR7pL3wK9sD\"",
    ),
];

/// The built-in kind with this name.
pub fn kind(name: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.name == name)
}

/// Whether `name` may name a kind: 1 to 64 of lower-case ASCII letters, digits and `-`.
pub fn valid_kind_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
