//! The bounded thread pool that runs enrichment, so CPU work stays off the
//! async reactor. Callers await the result; the pool's size is the CPU
//! parallelism, the in-flight semaphore upstream is the memory bound.

use std::sync::Arc;

use tokio::sync::oneshot;

#[derive(Clone)]
pub struct WorkerPool {
    pool: Arc<rayon::ThreadPool>,
}

impl WorkerPool {
    pub fn new(threads: usize) -> std::io::Result<WorkerPool> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("tradewire-enrich-{i}"))
            .build()
            .map_err(std::io::Error::other)?;
        Ok(WorkerPool {
            pool: Arc::new(pool),
        })
    }

    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Runs `job` on the pool. A panicking job is reported as `Err`, so the
    /// caller can dead-letter the message instead of losing it.
    pub async fn run<T, F>(&self, job: F) -> Result<T, String>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.pool.spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))
                .map_err(|p| panic_message(&*p));
            let _ = tx.send(result);
        });
        rx.await
            .unwrap_or_else(|_| Err("worker pool dropped the job".to_owned()))
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    format!("enrichment panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_turns_panics_into_errors() {
        let pool = WorkerPool::new(2).unwrap();
        assert_eq!(pool.run(|| 6 * 7).await, Ok(42));
        let err = pool
            .run(|| -> u8 { panic!("bad input") })
            .await
            .unwrap_err();
        assert!(err.contains("bad input"), "{err}");
        assert_eq!(pool.run(|| 1).await, Ok(1), "pool survives a panic");
    }
}
