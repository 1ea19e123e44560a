//! Queue messages: a backtest request body becomes a PENDING job within the platform's bounds, or a
//! validation error naming the field.

use tradai_domain::entities::{JobMessage, Timestamp};
use tradai_domain::{DomainError, JobStatus};
use tradai_fuzz::Target;

#[test]
fn queue_messages() {
    let now = Timestamp::now();
    let check = |input: &[u8]| match JobMessage::parse(&crate::text(input), now) {
        Ok(job) if job.status != JobStatus::Pending => Err(format!("parsed as {}", job.status)),
        Ok(job) if job.job_id.is_empty() || job.job_id.len() > 128 => {
            Err(format!("job id out of bounds: {:?}", job.job_id))
        }
        Ok(job) if job.config.end_date < job.config.start_date => {
            Err(format!("a reversed range was accepted: {:?}", job.config))
        }
        Ok(_) => Ok(()),
        Err(DomainError::Validation { field, .. }) if field.is_empty() => {
            Err("a refusal names no field".into())
        }
        Err(DomainError::Validation { .. }) => Ok(()),
        Err(other) => Err(format!("not a validation error: {other}")),
    };
    let target = Target::new("queue-message");
    target.run(check);
    target.run_json(check);
}
