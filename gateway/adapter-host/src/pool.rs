//! An adapter's own pool of OS threads with a bounded queue in front of it.
//!
//! Native calls block, and a hung one cannot be interrupted, so they never run on the async runtime's
//! workers (nor on tokio's shared blocking pool): each adapter gets `threads` dedicated threads. At most
//! `threads + queue` calls are admitted at once (running or waiting); beyond that, submission fails at once.
//! A thread stuck in a hung call stays counted as running, which shrinks the adapter's capacity instead of
//! growing the number of threads.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;

/// Work for a pool thread.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// The pool refused a job: all threads busy and the queue full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Busy;

/// How loaded the pool is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Load {
    /// Jobs running on a pool thread.
    pub running: usize,
    /// Jobs waiting for a thread.
    pub queued: usize,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    running: usize,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    work: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Jobs run outside the lock, so a poisoned lock can only come from a bug in this file; the counters
        // stay meaningful either way.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A fixed set of named threads and a bounded queue. Dropping the pool lets running jobs finish, discards
/// queued ones and lets the threads exit; it never waits for them (one may be stuck in a native call).
pub(crate) struct Pool {
    shared: Arc<Shared>,
    capacity: usize,
}

impl Pool {
    /// Starts `threads` threads named `adapter-<name>-<i>`, admitting up to `threads + queue` jobs.
    pub(crate) fn start(name: &str, threads: usize, queue: usize) -> io::Result<Pool> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            work: Condvar::new(),
        });
        let pool = Pool {
            shared: Arc::clone(&shared),
            capacity: threads.saturating_add(queue),
        };
        for i in 0..threads {
            let shared = Arc::clone(&shared);
            // On failure `pool` is dropped, which closes the queue and stops the threads already started.
            thread::Builder::new()
                .name(format!("adapter-{name}-{i}"))
                .spawn(move || worker(&shared))?;
        }
        Ok(pool)
    }

    /// Admits `job` if a thread is free or the queue has room.
    pub(crate) fn submit(&self, job: Job) -> Result<(), Busy> {
        let mut queue = self.shared.lock();
        if queue.closed || queue.running + queue.jobs.len() >= self.capacity {
            return Err(Busy);
        }
        queue.jobs.push_back(job);
        drop(queue);
        self.shared.work.notify_one();
        Ok(())
    }

    /// Running and queued jobs now.
    pub(crate) fn load(&self) -> Load {
        let queue = self.shared.lock();
        Load {
            running: queue.running,
            queued: queue.jobs.len(),
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let discarded = {
            let mut queue = self.shared.lock();
            queue.closed = true;
            std::mem::take(&mut queue.jobs)
        };
        // Dropped outside the lock: a job's captures may run arbitrary drop code.
        drop(discarded);
        self.shared.work.notify_all();
    }
}

fn worker(shared: &Shared) {
    loop {
        let job = {
            let mut queue = shared.lock();
            loop {
                if queue.closed {
                    return;
                }
                if let Some(job) = queue.jobs.pop_front() {
                    queue.running += 1;
                    break job;
                }
                queue = shared
                    .work
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        // Jobs catch their own panics (the native side never unwinds, the closure only sends a result);
        // this guard keeps the thread alive and the count right even so.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        shared.lock().running -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// A job that reports it started, then waits for `release`.
    fn blocking_job(started: mpsc::Sender<()>, release: Arc<(Mutex<bool>, Condvar)>) -> Job {
        Box::new(move || {
            let _ = started.send(());
            let (lock, cvar) = &*release;
            let mut go = lock.lock().unwrap_or_else(PoisonError::into_inner);
            while !*go {
                go = cvar.wait(go).unwrap_or_else(PoisonError::into_inner);
            }
        })
    }

    fn open(release: &Arc<(Mutex<bool>, Condvar)>) {
        *release.0.lock().unwrap_or_else(PoisonError::into_inner) = true;
        release.1.notify_all();
    }

    #[test]
    fn runs_jobs_on_named_threads() {
        let pool = Pool::start("named", 2, 4).expect("threads start");
        let (tx, rx) = mpsc::channel();
        pool.submit(Box::new(move || {
            let _ = tx.send(thread::current().name().map(str::to_owned));
        }))
        .expect("admitted");
        let name = rx.recv_timeout(Duration::from_secs(5)).expect("job ran");
        assert!(name.is_some_and(|n| n.starts_with("adapter-named-")));
    }

    #[test]
    fn admits_threads_plus_queue_then_refuses() {
        let pool = Pool::start("bounded", 1, 1).expect("threads start");
        let release = Arc::new((Mutex::new(false), Condvar::new()));
        let (started, started_rx) = mpsc::channel();
        pool.submit(blocking_job(started.clone(), Arc::clone(&release)))
            .expect("first runs");
        started_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("first started");
        pool.submit(blocking_job(started.clone(), Arc::clone(&release)))
            .expect("second waits");
        assert_eq!(
            pool.load(),
            Load {
                running: 1,
                queued: 1
            }
        );
        assert_eq!(pool.submit(Box::new(|| {})), Err(Busy));

        open(&release);
        started_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("second started");
        // Once both finish there is room again.
        let (done, done_rx) = mpsc::channel();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let done = done.clone();
            if pool
                .submit(Box::new(move || {
                    let _ = done.send(());
                }))
                .is_ok()
            {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "pool never drained");
            thread::sleep(Duration::from_millis(5));
        }
        done_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("third ran");
    }

    #[test]
    fn zero_queue_admits_only_free_threads() {
        let pool = Pool::start("noqueue", 1, 0).expect("threads start");
        let release = Arc::new((Mutex::new(false), Condvar::new()));
        let (started, started_rx) = mpsc::channel();
        pool.submit(blocking_job(started, Arc::clone(&release)))
            .expect("runs");
        started_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("started");
        assert_eq!(pool.submit(Box::new(|| {})), Err(Busy));
        open(&release);
    }

    #[test]
    fn a_panicking_job_does_not_kill_the_thread() {
        let pool = Pool::start("sturdy", 1, 2).expect("threads start");
        pool.submit(Box::new(|| panic!("job panicked")))
            .expect("admitted");
        let (tx, rx) = mpsc::channel();
        pool.submit(Box::new(move || {
            let _ = tx.send(7);
        }))
        .expect("admitted");
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(7));
    }

    #[test]
    fn dropping_the_pool_discards_queued_jobs() {
        let pool = Pool::start("dropped", 1, 1).expect("threads start");
        let release = Arc::new((Mutex::new(false), Condvar::new()));
        let (started, started_rx) = mpsc::channel();
        pool.submit(blocking_job(started, Arc::clone(&release)))
            .expect("runs");
        started_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("started");
        let (tx, rx) = mpsc::channel::<()>();
        pool.submit(Box::new(move || {
            let _ = tx.send(());
        }))
        .expect("queued");
        drop(pool);
        open(&release);
        // The queued job was dropped unrun, so its sender is gone.
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)),
            Err(mpsc::RecvTimeoutError::Disconnected)
        );
    }
}
