//! The backend's routes on in-memory adapters, with tokens from a loopback JWKS server.

mod backtests;
mod configs;
mod emulator;
mod events;
mod harness;
mod operations;
mod proxy;
mod results;
