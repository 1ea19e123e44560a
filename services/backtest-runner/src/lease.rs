//! The runner's hold on its job: the lease [`JobRepository::claim`] granted, renewed every third of
//! [`LEASE_SECONDS`] while the run lasts, so a runner that dies (SIGKILL, a lost Spot task) lets the job go
//! within [`LEASE_SECONDS`] and one that lives keeps it however long the backtest takes.

use std::time::Duration;

use tradai_domain::entities::Timestamp;
use tradai_domain::ports::{JobRepository, LEASE_SECONDS};

/// Renews the lease until dropped.
#[derive(Debug)]
pub struct Lease(tokio::task::JoinHandle<()>);

impl Lease {
    /// Keep renewing `attempt`'s lease on `job_id` in the background.
    pub fn hold(jobs: JobRepository, job_id: &str, attempt: &str) -> Lease {
        let (job_id, attempt) = (job_id.to_owned(), attempt.to_owned());
        let period = Duration::from_secs((LEASE_SECONDS / 3).unsigned_abs());
        Lease(tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                match jobs.renew(&job_id, &attempt, Timestamp::now()).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job_id, attempt, "the job is no longer held by this attempt (cancelled, failed or taken over): its result will not be recorded");
                        return;
                    }
                    Err(error) => {
                        tracing::warn!(job_id, attempt, %error, "the lease was not renewed; trying again")
                    }
                }
            }
        }))
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.0.abort();
    }
}
