//! Contract of runner attempts on the job repository: one holder at a time, a lease that lets a dead runner's
//! job go, and only the holder may end the job.

use tradai_domain::entities::Timestamp;
use tradai_domain::ports::{JobRepository, JobUpdate, Transition, LEASE_SECONDS};
use tradai_domain::JobStatus;

use crate::samples::{at, job};

fn completed() -> JobUpdate {
    JobUpdate {
        result_key: Some("backtests/attempt-job/result.json".into()),
        ..JobUpdate::default()
    }
}

fn later(now: Timestamp, seconds: i64) -> Timestamp {
    now.plus_seconds(seconds)
}

/// Claims, renewals, takeover after the lease, and ends only by the holder.
pub async fn job_attempts(repo: &JobRepository) {
    let now = at("2026-01-02T00:00:00Z");
    repo.create(&job("attempt-job", "trace-a", "2026-01-02T00:00:00Z"))
        .await
        .expect("create");
    let Transition::Applied(held) = repo.claim("attempt-job", "a-1", now).await.expect("claim")
    else {
        panic!("a PENDING job is free to claim");
    };
    assert_eq!(
        (held.status, held.attempt_id.as_deref(), held.lease_until),
        (
            JobStatus::Running,
            Some("a-1"),
            Some(now.epoch_seconds() + LEASE_SECONDS)
        ),
        "the claim holds the job RUNNING under a lease"
    );
    assert_eq!(
        repo.claim("attempt-job", "a-2", later(now, 10)).await.expect("claim"),
        Transition::Stale { current: JobStatus::Running },
        "a second runner cannot claim a job whose lease holds (RUNNING -> RUNNING is not a free pass)"
    );
    // The same claim again (an SDK retry whose first answer was lost) finds the job held by its own attempt.
    let repeated = repo.claim("attempt-job", "a-1", later(now, 1)).await;
    assert!(
        matches!(repeated.expect("claim"), Transition::Applied(ref job) if job.attempt_id.as_deref() == Some("a-1")),
        "a claim's own earlier write is its claim"
    );
    assert!(
        !repo
            .renew("attempt-job", "a-2", later(now, 10))
            .await
            .expect("renew"),
        "only the holder renews"
    );
    assert!(
        repo.renew("attempt-job", "a-1", later(now, 200))
            .await
            .expect("renew"),
        "the holder renews"
    );
    assert_eq!(
        repo.claim("attempt-job", "a-2", later(now, LEASE_SECONDS + 10))
            .await
            .expect("claim"),
        Transition::Stale {
            current: JobStatus::Running
        },
        "the renewed lease still holds past the first one's end"
    );
    let Transition::Applied(taken) = repo
        .claim("attempt-job", "a-2", later(now, 200 + LEASE_SECONDS + 1))
        .await
        .expect("claim")
    else {
        panic!("a lease that ran out lets another runner take the job");
    };
    assert_eq!(taken.attempt_id.as_deref(), Some("a-2"));
    assert_eq!(
        repo.finish(
            "attempt-job",
            "a-1",
            JobStatus::Completed,
            completed(),
            later(now, 900)
        )
        .await
        .expect("finish"),
        Transition::Stale {
            current: JobStatus::Running
        },
        "the runner that lost its lease cannot complete the job"
    );
    let Transition::Applied(done) = repo
        .finish(
            "attempt-job",
            "a-2",
            JobStatus::Completed,
            completed(),
            later(now, 901),
        )
        .await
        .expect("finish")
    else {
        panic!("the holder completes the job");
    };
    assert_eq!(done.status, JobStatus::Completed);
    assert!(
        matches!(
            repo.finish(
                "attempt-job",
                "a-2",
                JobStatus::Completed,
                completed(),
                later(now, 902)
            )
            .await
            .expect("finish"),
            Transition::Repeated(_)
        ),
        "a second completion by the same attempt writes nothing"
    );
    assert!(
        matches!(
            repo.claim("attempt-job", "a-3", later(now, 10_000))
                .await
                .expect("claim"),
            Transition::Stale {
                current: JobStatus::Completed
            }
        ),
        "a finished job is never claimed again"
    );

    // A job the workflow marked RUNNING (no holder yet) is free to claim once.
    repo.create(&job("marked-job", "trace-b", "2026-01-02T00:00:00Z"))
        .await
        .expect("create");
    repo.transition("marked-job", JobStatus::Running, JobUpdate::default(), now)
        .await
        .expect("mark");
    assert!(matches!(
        repo.claim("marked-job", "b-1", now).await.expect("claim"),
        Transition::Applied(_)
    ));
    assert!(matches!(
        repo.claim("marked-job", "b-2", now).await.expect("claim"),
        Transition::Stale { .. }
    ));
}
