//! Bearer-token authentication, per-token rate limiting for `/api/v1`, and
//! the failed-authentication budget per client address.

use std::net::SocketAddr;
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts};
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

/// Checks the bearer token against `expected`; a wrong one spends the
/// client address's failure budget, and an address without budget left
/// is refused (429) before its token is looked at. Returns the token's hash.
fn authenticate(
    parts: &Parts,
    state: &AppState,
    expected: &secrecy::SecretString,
) -> Result<[u8; 32], ApiError> {
    // Absent only when the router is served without connection info
    // (embedders); then there is no address to hold to a budget.
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = match state.trust_forwarded_for {
        true => forwarded_for(parts).or(peer),
        false => peer,
    };
    if let Some(ip) = ip {
        state.auth_failures.check(ip)?;
    }
    let given = token_hash(bearer(parts)?);
    let expected = token_hash(expected.expose_secret());
    // Comparing fixed-size hashes keeps the comparison's time
    // independent of where the tokens differ.
    if !baton_channel::constant_time_eq(&given, &expected) {
        if let Some(ip) = ip {
            state.auth_failures.record(ip);
        }
        return Err(ApiError::Unauthorized("invalid token".into()));
    }
    Ok(given)
}

/// The client address a trusted proxy appended to `X-Forwarded-For` (the
/// last entry: earlier ones are whatever the client claimed).
fn forwarded_for(parts: &Parts) -> Option<std::net::IpAddr> {
    let last_header = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?;
    last_header
        .to_str()
        .ok()?
        .rsplit(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The caller presented the admin token.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let given = authenticate(parts, state, &state.admin_token)?;
        state.limiter.check(given)?;
        Ok(Admin)
    }
}

/// The caller may read `/metrics`: `METRICS_TOKEN` is unset, or presented.
pub struct MetricsReader;

impl FromRequestParts<AppState> for MetricsReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(expected) = &state.metrics_token {
            authenticate(parts, state, expected)?;
        }
        Ok(MetricsReader)
    }
}
