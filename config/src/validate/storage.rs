//! Rules on tables, buckets, queues and topics.

use std::collections::BTreeMap;

use super::{in_range, no_duplicates, quoted};
use crate::problem::Problem;
use crate::{AttributeType, KeyAttribute, Settings};

pub fn check(s: &Settings, out: &mut Vec<Problem>) {
    for (key, table) in &s.tables {
        let path = format!("tables.{key}");
        let mut types: BTreeMap<String, (AttributeType, String)> = BTreeMap::new();
        let mut attribute = |out: &mut Vec<Problem>, at: String, attr: &KeyAttribute| {
            check_attribute_name(out, format!("{at}.name"), &attr.name);
            match types.get(attr.name.as_str()) {
                Some((kind, first)) if *kind != attr.kind => out.push(Problem::new(
                    format!("{at}.type"),
                    quoted(&format!("{:?}", attr.kind)),
                    format!(
                        "attribute {} is already declared with type {kind:?} at {first}",
                        attr.name
                    ),
                    format!("{kind:?}"),
                )),
                Some(_) => {}
                None => {
                    types.insert(attr.name.clone(), (attr.kind, at));
                }
            }
        };
        attribute(out, format!("{path}.partition_key"), &table.partition_key);
        if let Some(sort) = &table.sort_key {
            if sort.name == table.partition_key.name {
                out.push(Problem::new(
                    format!("{path}.sort_key.name"),
                    quoted(&sort.name),
                    "sort key repeats the partition key",
                    "another attribute",
                ));
            }
            attribute(out, format!("{path}.sort_key"), sort);
        }
        for (index, gsi) in table.gsis.iter().enumerate() {
            let at = format!("{path}.gsis[{index}]");
            let name_ok = (3..=255).contains(&gsi.name.len())
                && gsi
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
            if !name_ok {
                out.push(Problem::new(
                    format!("{at}.name"),
                    quoted(&gsi.name),
                    "not a valid index name",
                    "3 to 255 of a-z, A-Z, 0-9, _ . -",
                ));
            }
            attribute(out, format!("{at}.partition_key"), &gsi.partition_key);
            if let Some(sort) = &gsi.sort_key {
                attribute(out, format!("{at}.sort_key"), sort);
            }
        }
        no_duplicates(
            out,
            &table.gsis,
            |i| format!("{path}.gsis[{i}].name"),
            |g| g.name.as_str(),
            "index name",
        );
        if table.gsis.len() > 20 {
            out.push(Problem::new(
                format!("{path}.gsis"),
                table.gsis.len(),
                "more indexes than DynamoDB allows",
                "at most 20",
            ));
        }
        if let Some(ttl) = &table.ttl_attribute {
            check_attribute_name(out, format!("{path}.ttl_attribute"), ttl);
            if types.contains_key(ttl.as_str()) {
                out.push(Problem::new(
                    format!("{path}.ttl_attribute"),
                    quoted(ttl),
                    "the TTL attribute cannot be a key attribute",
                    "a non-key attribute holding epoch seconds",
                ));
            }
        }
    }
    for (key, bucket) in &s.buckets {
        for (index, rule) in bucket.lifecycle.iter().enumerate() {
            in_range(
                out,
                format!("buckets.{key}.lifecycle[{index}].expire_after_days"),
                rule.expire_after_days,
                1..=36500,
                "expiry",
            );
        }
        no_duplicates(
            out,
            &bucket.lifecycle,
            |i| format!("buckets.{key}.lifecycle[{i}].id"),
            |r| r.id.as_str(),
            "rule id",
        );
    }
    check_queues(s, out);
}

fn check_attribute_name(out: &mut Vec<Problem>, key: String, name: &str) {
    let ok = (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if !ok {
        out.push(Problem::new(
            key,
            quoted(name),
            "not a valid attribute name",
            "1 to 255 of a-z, A-Z, 0-9, _ . -",
        ));
    }
}

fn check_queues(s: &Settings, out: &mut Vec<Problem>) {
    const RETENTION: std::ops::RangeInclusive<u32> = 60..=1_209_600;
    for (key, queue) in &s.queues {
        let path = format!("queues.{key}");
        in_range(
            out,
            format!("{path}.visibility_timeout_seconds"),
            queue.visibility_timeout_seconds,
            0..=43_200,
            "visibility timeout",
        );
        in_range(
            out,
            format!("{path}.message_retention_seconds"),
            queue.message_retention_seconds,
            RETENTION,
            "retention",
        );
        in_range(
            out,
            format!("{path}.receive_wait_seconds"),
            queue.receive_wait_seconds,
            0..=20,
            "long-poll wait",
        );
        if queue.content_based_deduplication && !queue.fifo {
            out.push(Problem::new(
                format!("{path}.content_based_deduplication"),
                true,
                "content-based deduplication exists only for FIFO queues",
                "false, or fifo = true",
            ));
        }
        if let Some(dlq) = &queue.dead_letter {
            in_range(
                out,
                format!("{path}.dead_letter.max_receive_count"),
                dlq.max_receive_count,
                1..=1000,
                "max receive count",
            );
            in_range(
                out,
                format!("{path}.dead_letter.message_retention_seconds"),
                dlq.message_retention_seconds,
                RETENTION,
                "retention",
            );
            if dlq.message_retention_seconds < queue.message_retention_seconds {
                out.push(Problem::new(
                    format!("{path}.dead_letter.message_retention_seconds"),
                    dlq.message_retention_seconds,
                    "the DLQ would drop messages sooner than their queue",
                    format!(
                        "at least {path}.message_retention_seconds ({})",
                        queue.message_retention_seconds
                    ),
                ));
            }
        }
    }
    for (key, topic) in &s.topics {
        if topic.display_name.is_empty() || topic.display_name.len() > 100 {
            out.push(Problem::new(
                format!("topics.{key}.display_name"),
                quoted(&topic.display_name),
                "display name length is out of range",
                "1 to 100 characters",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::testing::{expect_problem, valid};
    use crate::{AttributeType, GsiSpec, KeyAttribute};

    fn key(name: &str, kind: AttributeType) -> KeyAttribute {
        KeyAttribute {
            name: name.into(),
            kind,
        }
    }

    #[test]
    fn rejects_a_sort_key_equal_to_the_partition_key() {
        let mut s = valid();
        s.tables.get_mut("trading-state").expect("table").sort_key =
            Some(key("strategy_id", AttributeType::S));
        expect_problem(
            &s,
            "tables.trading-state.sort_key.name",
            "sort key repeats the partition key",
        );
    }

    #[test]
    fn rejects_an_index_that_redeclares_an_attribute_with_another_type() {
        let mut s = valid();
        let table = s.tables.get_mut("workflow-state").expect("table");
        table.gsis.push(GsiSpec {
            name: "job-index".into(),
            partition_key: key("job_id", AttributeType::N),
            sort_key: None,
        });
        let p = expect_problem(
            &s,
            "tables.workflow-state.gsis[2].partition_key.type",
            "already declared with type S",
        );
        assert!(
            p.message.contains("at tables.workflow-state.partition_key"),
            "{p}"
        );
    }

    #[test]
    fn rejects_duplicate_index_names_and_bad_attribute_names() {
        let mut s = valid();
        let table = s.tables.get_mut("workflow-state").expect("table");
        let copy = table.gsis[1].clone();
        table.gsis.push(copy);
        table.ttl_attribute = Some("expires at".into());
        expect_problem(&s, "tables.workflow-state.gsis[2].name", "listed twice");
        expect_problem(
            &s,
            "tables.workflow-state.ttl_attribute",
            "not a valid attribute name",
        );
    }

    #[test]
    fn rejects_a_ttl_attribute_that_is_a_key() {
        let mut s = valid();
        s.tables
            .get_mut("idempotency")
            .expect("table")
            .ttl_attribute = Some("idempotency_key".into());
        expect_problem(
            &s,
            "tables.idempotency.ttl_attribute",
            "cannot be a key attribute",
        );
    }

    #[test]
    fn rejects_queue_settings_outside_sqs_limits() {
        let mut s = valid();
        let queue = s.queues.get_mut("retraining").expect("queue");
        queue.message_retention_seconds = 30;
        queue.receive_wait_seconds = 21;
        queue.content_based_deduplication = true;
        let dlq = queue.dead_letter.as_mut().expect("dlq");
        dlq.max_receive_count = 0;
        expect_problem(
            &s,
            "queues.retraining.message_retention_seconds",
            "60 to 1209600",
        );
        expect_problem(&s, "queues.retraining.receive_wait_seconds", "0 to 20");
        expect_problem(
            &s,
            "queues.retraining.content_based_deduplication",
            "only for FIFO queues",
        );
        expect_problem(
            &s,
            "queues.retraining.dead_letter.max_receive_count",
            "1 to 1000",
        );
    }

    #[test]
    fn rejects_a_dead_letter_queue_that_keeps_messages_shorter_than_its_queue() {
        let mut s = valid();
        s.queues
            .get_mut("backtest")
            .expect("queue")
            .dead_letter
            .as_mut()
            .expect("dlq")
            .message_retention_seconds = 3600;
        expect_problem(
            &s,
            "queues.backtest.dead_letter.message_retention_seconds",
            "drop messages sooner",
        );
    }

    #[test]
    fn rejects_lifecycle_rules_with_zero_days_or_duplicate_ids() {
        let mut s = valid();
        let bucket = s.buckets.get_mut("results").expect("bucket");
        bucket.lifecycle[0].expire_after_days = 0;
        let copy = bucket.lifecycle[0].clone();
        bucket.lifecycle.push(copy);
        expect_problem(
            &s,
            "buckets.results.lifecycle[0].expire_after_days",
            "1 to 36500",
        );
        expect_problem(&s, "buckets.results.lifecycle[1].id", "listed twice");
    }

    #[test]
    fn rejects_an_empty_topic_display_name() {
        let mut s = valid();
        s.topics
            .get_mut("alerts")
            .expect("topic")
            .display_name
            .clear();
        expect_problem(&s, "topics.alerts.display_name", "1 to 100 characters");
    }
}
