//! The backend's routes on in-memory adapters, with tokens from a loopback JWKS server.

mod backtests;
mod configs;
mod emulator;
mod events;
mod executors;
mod harness;
mod operations;
mod proxy;
mod results;
