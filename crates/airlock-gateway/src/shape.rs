//! Errors in each API's own shape, so a client shows them instead of failing to parse them.

use crate::providers::ApiKind;
use serde_json::json;

/// The JSON body of an error for `kind`.
pub fn error_body(kind: ApiKind, status: u16, code: &str, message: &str) -> String {
    match kind {
        ApiKind::Anthropic => json!({"type": "error", "error": {"type": anthropic_type(status), "message": message}}),
        ApiKind::OpenAi => json!({"error": {"message": message, "type": openai_type(status), "param": null, "code": code}}),
        ApiKind::Gemini => json!({"error": {"code": status, "message": message, "status": gemini_status(status)}}),
    }
    .to_string()
}

fn anthropic_type(status: u16) -> &'static str {
    match status {
        400 | 426 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        _ => "api_error",
    }
}

fn openai_type(status: u16) -> &'static str {
    match status {
        400..=499 => "invalid_request_error",
        _ => "server_error",
    }
}

fn gemini_status(status: u16) -> &'static str {
    match status {
        400 | 413 | 426 => "INVALID_ARGUMENT",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        502 | 504 => "UNAVAILABLE",
        _ => "INTERNAL",
    }
}
