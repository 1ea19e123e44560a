//! Contract of the log-reading port.

use tradai_domain::ports::{LogEvent, LogQuery, LogReader};
use tradai_domain::DomainError;

/// A first timestamp for [`sample_events`]: a minute ago (CloudWatch refuses events older than 14 days).
pub fn log_base() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
    now - 60_000
}

/// 25 events a second apart from `base`, `line 0` … `line 24`, to preload into the stream under test.
pub fn sample_events(base: i64) -> Vec<LogEvent> {
    (0..25)
        .map(|i| LogEvent {
            timestamp: base + i * 1000,
            message: format!("line {i}"),
        })
        .collect()
}

/// Reads `stream` of `group` (preloaded with [`sample_events`] from `base`): pages follow `next` to the end in
/// order, `since` filters, and a missing stream or group is `NotFound`.
pub async fn log_reader(reader: &dyn LogReader, group: &str, stream: &str, base: i64) {
    let mut seen = Vec::new();
    let mut query = LogQuery {
        since: None,
        limit: 10,
        next: None,
    };
    for _ in 0..10 {
        let page = reader
            .read(group, stream, &query)
            .await
            .expect("read a page");
        assert!(page.events.len() <= 10, "a page holds at most the limit");
        seen.extend(page.events);
        match page.next {
            Some(next) => query.next = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, sample_events(base), "every event once, oldest first");
    let recent = reader
        .read(
            group,
            stream,
            &LogQuery {
                since: Some(base + 20_000),
                limit: 100,
                next: None,
            },
        )
        .await
        .expect("since");
    let messages: Vec<&str> = recent.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        ["line 20", "line 21", "line 22", "line 23", "line 24"]
    );
    for (g, s) in [(group, "no-such-stream"), ("/no/such/group", stream)] {
        let missing = reader
            .read(
                g,
                s,
                &LogQuery {
                    limit: 10,
                    ..LogQuery::default()
                },
            )
            .await;
        assert!(
            matches!(missing, Err(DomainError::NotFound { .. })),
            "{g}/{s}: {missing:?}"
        );
    }
}
