//! Fixtures shared by the integration tests: for every kind, texts holding one
//! secret of it (with the exact secret text) and texts that must stay untouched.
#![allow(dead_code)]

/// A tiny deterministic generator (xorshift64*), so the property run is reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A text with one secret of `kind`: `secret` is the exact text that must be replaced.
pub struct Positive {
    pub kind: &'static str,
    pub text: &'static str,
    pub secret: &'static str,
}

const fn p(kind: &'static str, text: &'static str, secret: &'static str) -> Positive {
    Positive { kind, text, secret }
}

pub const PEM_RSA: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----";

pub const POSITIVES: &[Positive] = &[
    p("private-key", "key file:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\n$ ls", PEM_RSA),
    p("private-key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----"),
    p("private-key", "{\"type\": \"service_account\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\nBKcwggSjAgEAAoIBAQC7\\n-----END PRIVATE KEY-----\\n\", \"client_email\": \"a@b.iam.gserviceaccount.com\"}", "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\nBKcwggSjAgEAAoIBAQC7\\n-----END PRIVATE KEY-----"),
    p("private-key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----"),
    p("private-key", "$ head -3 id_ec\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5ZbwHcR0QJ1mLoAoGCCqGSM49\nAwEHoUQDQgAE\n$ ", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5ZbwHcR0QJ1mLoAoGCCqGSM49\nAwEHoUQDQgAE"),
    p("putty-key", "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: rsa-key\nPublic-Lines: 1\nAAAAB3NzaC1yc2EAAAABJQAAAQEA\nPrivate-Lines: 1\nAAABAQCuFkmiS1n3A2E6XB3Q\nPrivate-MAC: 3b1f6fa6c4d1d1c0e5\nok", "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: rsa-key\nPublic-Lines: 1\nAAAAB3NzaC1yc2EAAAABJQAAAQEA\nPrivate-Lines: 1\nAAABAQCuFkmiS1n3A2E6XB3Q\nPrivate-MAC: 3b1f6fa6c4d1d1c0e5"),
    p("aws-access-key-id", "aws_access_key_id = AKIA2E0A8F3B244C9986\n", "AKIA2E0A8F3B244C9986"),
    p("aws-access-key-id", "\"AccessKeyId\": \"ASIAY34FZKBOKMUTVV7A\",", "ASIAY34FZKBOKMUTVV7A"),
    p("github-token", "git clone https://x-access-token:ghs_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r", "ghs_16C7e42F292c6912E7710c838347Ae178B4a"),
    p("github-token", "token: ghp_0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R", "ghp_0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R"),
    p("github-token", "GH=github_pat_11ABCDEFG0123456789abc_defGHIjklMNOpqrSTUvwxYZ0123456789abcdefghijklmnopqrstuvwxy", "github_pat_11ABCDEFG0123456789abc_defGHIjklMNOpqrSTUvwxYZ0123456789abcdefghijklmnopqrstuvwxy"),
    p("gitlab-token", "curl -H 'PRIVATE-TOKEN: glpat-x1Y2z3A4b5C6d7E8f9G0' https://gitlab.example", "glpat-x1Y2z3A4b5C6d7E8f9G0"),
    p("slack-token", "SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
    p("slack-webhook", "post to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX now", "services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    p("stripe-key", "stripe.api_key = sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    p("stripe-key", "const k = 'rk_live_51H8aZbCdEfGhIjKlMnOpQrSt';", "rk_live_51H8aZbCdEfGhIjKlMnOpQrSt"),
    p("google-api-key", "https://maps.googleapis.com/maps/api/js?key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q&v=3", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
    p("anthropic-key", "client = Anthropic(api_key=\"sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z-AbCdEfGh_IjKl\")", "sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z-AbCdEfGh_IjKl"),
    p("openai-key", "OPENAI_API_KEY=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAbCdEfGh", "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAbCdEfGh"),
    p("openai-key", "openai.api_key = 'sk-Zq4fA8bN2mX7cV1kL9pR3tY6wE0uI5oHgJdSaFzXcVbNmQwE'", "sk-Zq4fA8bN2mX7cV1kL9pR3tY6wE0uI5oHgJdSaFzXcVbNmQwE"),
    p("huggingface-token", "huggingface-cli login --token hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh", "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh"),
    p("npm-token", "//registry.npmjs.org/:_authToken=npm_AbCdEf0123456789AbCdEf0123456789AbCd", "npm_AbCdEf0123456789AbCdEf0123456789AbCd"),
    p("pypi-token", "password = pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMAACKlsz", "pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMAACKlsz"),
    p("twilio-key", "twilio api key SK0123456789abcdef0123456789abcdef used", "SK0123456789abcdef0123456789abcdef"),
    p("sendgrid-key", "SG.AbCdEfGhIjKlMnOpQrStUv.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG", "SG.AbCdEfGhIjKlMnOpQrStUv.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG"),
    p("jwt", "Cookie: session=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c; path=/", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
    p("azure-storage-key", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="),
    p("url-password", "DATABASE_URL=postgres://app:hunter2-prod@db.internal:5432/app", "hunter2-prod"),
    p("url-password", "git remote -v\norigin https://deploy:Xk9-pW2_qR7v@git.example.com/team/repo.git (fetch)", "Xk9-pW2_qR7v"),
    p("url-password", "MONGO=mongodb+srv://admin:N0tS0S3cret!@cluster0.abcde.mongodb.net/test", "N0tS0S3cret!"),
    p("password", "DB_PASSWORD=\"hunter2-prod\"\n", "hunter2-prod"),
    p("password", "database:\n  password: supersecretvalue\n", "supersecretvalue"),
    p("password", "Server=tcp:db.example,1433;Database=app;User ID=sa;Password=Pa55w0rd!x;Encrypt=true", "Pa55w0rd!x"),
    p("password", "spring.datasource.password=Tr0ub4dor3\n", "Tr0ub4dor3"),
    p("password", "<password>k3yst0re-pass</password>", "k3yst0re-pass"),
    p("password", "mysql -u root --password s3cr3t-pw db", "s3cr3t-pw"),
    p("password", "$dbPass = 'm4ri4db-r00t';", "m4ri4db-r00t"),
    p("secret", "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzKEYabcd1\n", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzKEYabcd1"),
    p("secret", "{\"client_secret\": \"GOCSPX-abcdefghijklmnopqrstuv\"}", "GOCSPX-abcdefghijklmnopqrstuv"),
    p("secret", "api_key = \"9f8e7d6c5b4a39281706\"  # TOML", "9f8e7d6c5b4a39281706"),
    p("secret", "curl -H \"Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543\" https://api.example", "8f14e45fceea167a5a36dedd4bea2543"),
    p("secret", "SECRET_KEY = 'django-insecure-k#9!x2@b7$w'", "django-insecure-k#9!x2@b7$w"),
    p("secret", "X-Api-Key: 5a0c1f2e3d4b5a6978", "5a0c1f2e3d4b5a6978"),
    p("secret", "GET /oauth/callback?access_token=ya29AbCdEf123456&state=x", "ya29AbCdEf123456"),
    p("high-entropy", "session: \"q8XzT2vN5mR7pL3wK9sD\"", "q8XzT2vN5mR7pL3wK9sD"),
    p("high-entropy", "OPENAI_KEY=Zq4fA8bN2mX7cV1kL9pR3tY6", "Zq4fA8bN2mX7cV1kL9pR3tY6"),
    p("high-entropy", "{\"key\": \"3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e\"}", "3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e"),
];

/// Texts with nothing to redact.
pub const NEGATIVES: &[&str] = &[
    // git SHAs, UUIDs, digests, lockfiles
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8\nAuthor: A <a@b.c>",
    "request_id: 550e8400-e29b-41d4-a716-446655440000",
    "\"integrity\": \"sha512-hTtWL6OonNHXMGlNKpcJGJ+2xyQ1aQ0bxSdcCk4I8ijtajs9vzA0vC9zbTWA+ny7LeJ3ZoVCxAKT9vBHLwUi+w==\",",
    "\"resolved\": \"https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz\",",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  file.tar",
    "checksum = \"f0cf0d0c3f4b4c1b83c8e0e3c3a2f3cb9a4b7ae4b8c9e2d8c1b6a3f5e7d9c0b1\"",
    // base64 image data
    "{\"type\": \"image\", \"source\": {\"type\": \"base64\", \"media_type\": \"image/png\", \"data\": \"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\"}}",
    // code identifiers and functions
    "from transformers import AutoTokenizer\ntokenizer = AutoTokenizer.from_pretrained(TOKENIZER_PATH)",
    "$hash = password_hash($password, PASSWORD_DEFAULT);\nif (password_verify($pw, $hash)) {}",
    "def check_password(password: str) -> bool:\n    return bcrypt.checkpw(password.encode(), stored)",
    "const token = process.env.GITHUB_TOKEN;\nconst apiKey = config.apiKey;",
    "api_key = os.environ[\"OPENAI_API_KEY\"]\npassword = getpass.getpass()",
    "password: ${DB_PASSWORD}\ntoken: ${{ secrets.GITHUB_TOKEN }}\napi_key: <your-api-key>",
    "DB_PASSWORD=\nSECRET_KEY=changeme\nAPI_TOKEN=xxxxxxxxxxxx\nPASSWORD=$PASSWORD",
    "PRIMARY_KEY_COLUMN = 'id'\nKEYBOARD_LAYOUT = 'us'\nmax_tokens: 4096\ninput_tokens = 1200",
    "interface Props { password: string; token?: string | null; onKey: (k: string) => void }",
    "let user = User { password: password, token: token.clone(), ..Default::default() };",
    // prose
    "Your password must be at least 12 characters long and include a digit.",
    "Rotate the API key and the secret token every 90 days; never commit them.",
    "The task-management feature uses risk-based desk-top sk-learn pipelines.",
    "We use scikit-learn (sk-learn-style-pipelines-for-everything) here.",
    // documented placeholders
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "postgres://user:password@localhost:5432/app and https://user@example.com/x",
    "ssh://git@github.com/org/repo.git and git@github.com:org/repo.git",
    // keys that are public
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host",
    // test keys and short lookalikes
    "stripe test key sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "ghp_short and AKIA123 and xoxb-abc and AIzaShort",
    "eyJhbGciOiJIUzI1NiJ9 alone is only a header",
    // already redacted
    "DB_PASSWORD=[REDACTED:password] and [REDACTED:github-token] and postgres://u:[REDACTED:url-password]@h/db",
    // JSON request fields that look close
    "{\"model\": \"claude-sonnet-4\", \"max_tokens\": 1024, \"stream\": true, \"cache_control\": {\"type\": \"ephemeral\"}}",
    "{\"type\": \"thinking\", \"thinking\": \"Let me check.\", \"signature\": \"EqQBCkgIARABGAIiQL3zX9yHq2mWk8vN5cT7pR4sD6fG1hJ2kL3mN4bV5cX6zA7sD8fG9hJ0kL\"}",
    "key: value\nkey: 12345\nkey: \"user_42\"\nsession: none\nauth: true",
];
