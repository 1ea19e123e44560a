//! The service kit against real HTTP: a JWKS server on loopback, tokens signed with keys made in the test.

mod auth;
mod http;
