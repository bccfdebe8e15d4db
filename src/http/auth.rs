//! Bearer-token authentication and per-token rate limiting for `/api/v1`.

use std::num::NonZeroU32;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::error::ApiError;

/// Requests per second per caller, keyed by a hash of the token.
pub struct ApiLimiter(DefaultKeyedRateLimiter<[u8; 32]>);

impl ApiLimiter {
    pub fn new(per_second: u32) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = rate.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
        ApiLimiter(RateLimiter::keyed(
            Quota::per_second(rate).allow_burst(burst),
        ))
    }

    fn check(&self, key: [u8; 32]) -> Result<(), ApiError> {
        self.0.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            ApiError::RateLimited {
                retry_after_secs: wait.as_secs_f64().ceil() as u64,
            }
        })
    }
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("missing `Authorization: Bearer <token>`".into()))?;
    value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::Unauthorized("expected `Authorization: Bearer <token>`".into()))
}

/// The caller presented the admin token.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let given = token_hash(token);
        let expected = token_hash(state.admin_token.expose_secret());
        // Comparing fixed-size hashes keeps the comparison's time
        // independent of where the tokens differ.
        if !constant_time_eq(&given, &expected) {
            return Err(ApiError::Unauthorized("invalid token".into()));
        }
        state.limiter.check(given)?;
        Ok(Admin)
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
