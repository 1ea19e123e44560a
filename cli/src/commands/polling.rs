//! How the CLI waits on a job: it polls after 1 s, then doubles the delay up to 5 s, so a user waiting on a
//! long backtest makes a dozen requests a minute, far below the WAF's per-caller limit (`tradai infra check`
//! holds the limit to [`requests_within`]).

use std::time::Duration;

/// The first delay between two polls.
pub const FIRST: Duration = Duration::from_secs(1);
/// The longest delay between two polls.
pub const LONGEST: Duration = Duration::from_secs(5);

/// The delay before poll `attempt` (0-based) after the first request.
pub fn delay(attempt: u32) -> Duration {
    FIRST.saturating_mul(1_u32 << attempt.min(16)).min(LONGEST)
}

/// The most requests one wait makes within `window_seconds` (the window starting with the wait, where the
/// polls are densest).
pub fn requests_within(window_seconds: u64) -> u64 {
    let window = Duration::from_secs(window_seconds);
    let mut elapsed = Duration::ZERO;
    let mut requests = 1;
    for attempt in 0.. {
        elapsed += delay(attempt);
        if elapsed > window {
            break;
        }
        requests += 1;
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_to_five_seconds() {
        let delays: Vec<u64> = (0..5).map(|a| delay(a).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
        assert_eq!(delay(40), LONGEST);
    }

    #[test]
    fn a_five_minute_window_holds_sixty_two_polls() {
        // t = 0, 1, 3, 7, then every 5 s up to 297: 4 + 58.
        assert_eq!(requests_within(300), 62);
        assert_eq!(requests_within(0), 1);
    }
}
