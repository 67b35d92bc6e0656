//! What a realistic `.env` file and a service configuration look like after redaction.

use airlock_redact::Redactor;

const DOT_ENV: &str = r#"# Local development settings
NODE_ENV=development
PORT=3000
LOG_LEVEL=debug
DATABASE_URL=postgres://app:Wq8-vTn3-zK1@localhost:5432/app_dev
REDIS_URL=redis://localhost:6379/0
SECRET_KEY_BASE=6f1c9e0b2a4d8e7f3c5b1a9d0e2f4c6b8a1d3e5f7c9b0a2d
export GITHUB_TOKEN=ghp_Zq4fA8bN2mX7cV1kL9pR3tY6wE0uI5oHgJdS
OPENAI_API_KEY="sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAbCdEfGh"
ANTHROPIC_API_KEY=
AWS_ACCESS_KEY_ID=AKIA2E0A8F3B244C9986
AWS_SECRET_ACCESS_KEY=t7Hq2Lm9Xc4Vb8Nz1Kp5Rw3Ys6Ud0Fg2Jh4Mk8Qn
AWS_REGION=eu-west-1
STRIPE_SECRET_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc
STRIPE_PUBLISHABLE_KEY=pk_live_51H8aZbCdEfGhIjKlMnOpQ
SMTP_PASSWORD='m4il-Pa55!'
SENTRY_DSN=https://0123456789abcdef0123456789abcdef@o123.ingest.sentry.io/456
JWT_SECRET=${JWT_SECRET_FROM_VAULT}
ADMIN_PASSWORD=changeme
TOKENIZER_PATH=./models/tokenizer.json
MAX_TOKENS=4096
"#;

const CONFIG_YAML: &str = r#"service:
  name: billing
  replicas: 3
  image: registry.example.com/billing@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
database:
  host: db.internal
  user: billing
  password: "N0t-In-Git-2024"
  pool_size: 10
cache:
  key: 3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e
  key_prefix: billing
  ttl: 300
auth:
  jwt_secret: !Ref JwtSecretParameter
  client_id: billing-service
  client_secret: GOCSPX-Zq4fA8bN2mX7cV1kL9pR3tY6
  public_key: |
    -----BEGIN PUBLIC KEY-----
    MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo
    -----END PUBLIC KEY-----
webhooks:
  slack: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX
  headers:
    Authorization: "Bearer 8f14e45fceea167a5a36dedd4bea2543"
# Rotate the password and the API key every 90 days.
"#;

#[test]
fn dot_env() {
    let (out, _) = Redactor::default().redact_str(DOT_ENV);
    insta::assert_snapshot!(out);
}

#[test]
fn config_yaml() {
    let (out, _) = Redactor::default().redact_str(CONFIG_YAML);
    insta::assert_snapshot!(out);
}
