//! The audit writer: a dedicated thread that owns the store, so recording never waits for the disk.
//!
//! [`AuditHandle::record`] sends the record down an unbounded channel and returns: no lock is held
//! across I/O, nothing is ever dropped for lack of room. The writer thread wakes on the first record,
//! lets more gather for [`DEFAULT_LINGER`] (so a busy gateway pays for one transaction per batch,
//! not per request, and the writer takes the shared CPU once per batch instead of after every
//! request), takes everything queued (up to [`MAX_BATCH`]) and commits it in one transaction (group
//! commit), so under load one fsync-free WAL commit carries thousands of rows. A flush or a shutdown
//! waits at most that much longer, and nothing sent before them is left behind. The price of never
//! dropping is memory: when the disk is slower than the producers the queue grows; [`WriterStats`]
//! shows it (`sent - written - refused` is the backlog).
//!
//! A failing commit is logged through `tracing`, counted in [`WriterStats::write_errors`], and retried
//! with the same records (backoff from 10 ms to 1 s) while new records keep queueing; nothing panics.
//! [`AuditHandle::flush`] answers with the error while the store keeps failing;
//! [`AuditHandle::shutdown`] gives up after a few more tries and reports how many records were never
//! written.

use crate::time::format_system_time;
use crate::{AuditError, AuditStore, Record};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// The most records committed in one transaction.
pub const MAX_BATCH: usize = 4096;

/// How long the writer lets records gather after the first one before committing. A crash of the
/// process (not a clean shutdown) can lose what was queued; this adds at most this much to it.
pub const DEFAULT_LINGER: Duration = Duration::from_millis(10);

/// Backoff before retrying a failed commit: doubles from the first to the last.
const BACKOFF_FIRST: Duration = Duration::from_millis(10);
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// How many times shutdown retries a failing commit before reporting the records as unwritten.
const SHUTDOWN_TRIES: u32 = 5;

/// The writer thread, joined by the first shutdown.
type Joiner = Arc<Mutex<Option<JoinHandle<Result<u64, AuditError>>>>>;

/// A failed flush: how many records are still uncommitted, and why.
type FlushReply = Result<(), (u64, String)>;

// A record travels inline (no allocation per message on the hot path), with the instant to stamp it
// with when its time is empty: formatting waits for the writer thread.
#[allow(clippy::large_enum_variant)]
enum Msg {
    Record(Record, Option<SystemTime>),
    Flush(SyncSender<FlushReply>),
    Shutdown,
}

/// Counters shared by the handles and the writer thread.
#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    written: AtomicU64,
    refused: AtomicU64,
    write_errors: AtomicU64,
}

/// A snapshot of the writer's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Records handed to [`AuditHandle::record`].
    pub sent: u64,
    /// Records committed to the store.
    pub written: u64,
    /// Records refused because the writer had already stopped (sent after shutdown); logged.
    pub refused: u64,
    /// Failed commit attempts (each retried).
    pub write_errors: u64,
}

/// Starts the writer thread.
#[derive(Debug)]
pub struct AuditWriter;

impl AuditWriter {
    /// Move `store` onto a dedicated thread and return a handle to it. Should the thread not start (the
    /// system is out of threads), the error is logged and every record is refused and counted; use
    /// [`AuditWriter::try_spawn`] to handle that case yourself.
    pub fn spawn(store: AuditStore) -> AuditHandle {
        match Self::try_spawn(store) {
            Ok(handle) => handle,
            Err(e) => {
                tracing::error!("audit writer did not start: {e}; records will be refused");
                let (tx, _rx) = mpsc::channel();
                AuditHandle {
                    tx,
                    counters: Arc::default(),
                    join: Arc::default(),
                }
            }
        }
    }

    /// [`AuditWriter::spawn`], failing when the thread cannot be started.
    pub fn try_spawn(store: AuditStore) -> Result<AuditHandle, AuditError> {
        Self::try_spawn_with(store, DEFAULT_LINGER)
    }

    /// [`AuditWriter::try_spawn`] with another wait for records to gather (zero: commit as soon
    /// as the first record arrives, with whatever else is queued).
    pub fn try_spawn_with(store: AuditStore, linger: Duration) -> Result<AuditHandle, AuditError> {
        let (tx, rx) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let worker = Worker {
            store,
            rx,
            counters: Arc::clone(&counters),
            pending: Vec::new(),
            waiters: Vec::new(),
            stopping: false,
            backoff: BACKOFF_FIRST,
            retry_at: None,
            last_error: None,
            linger,
        };
        let join = std::thread::Builder::new()
            .name("airlock-audit".into())
            .spawn(move || worker.run())
            .map_err(AuditError::Thread)?;
        Ok(AuditHandle {
            tx,
            counters,
            join: Arc::new(Mutex::new(Some(join))),
        })
    }
}

/// A cheap, clonable handle to the writer thread; share it across every stream. `record` never blocks
/// and is fine inside async code; `flush` and `shutdown` wait for the disk, so async code calls them
/// through `spawn_blocking` (or at the very end, outside the runtime).
#[derive(Clone, Debug)]
pub struct AuditHandle {
    tx: Sender<Msg>,
    counters: Arc<Counters>,
    join: Joiner,
}

impl AuditHandle {
    /// Queue a record for the writer and return at once (no disk I/O, no waiting). An empty `time` is
    /// stamped now, when the event happens rather than when it is committed. After
    /// [`AuditHandle::shutdown`] the record is refused: logged and counted in [`WriterStats::refused`].
    pub fn record(&self, r: Record) {
        let now = r.time.is_empty().then(SystemTime::now);
        self.counters.sent.fetch_add(1, Ordering::Relaxed);
        if self.tx.send(Msg::Record(r, now)).is_err() {
            self.counters.refused.fetch_add(1, Ordering::Relaxed);
            tracing::error!("audit writer stopped; a record was refused");
        }
    }

    /// Wait until every record sent before this call (from any handle) is committed.
    pub fn flush(&self) -> Result<(), AuditError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.tx
            .send(Msg::Flush(tx))
            .map_err(|_| AuditError::WriterGone)?;
        match rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err((unwritten, last_error))) => Err(AuditError::Unwritten {
                unwritten,
                last_error,
            }),
            Err(_) => Err(AuditError::WriterGone),
        }
    }

    /// Drain the queue, commit it, stop the thread and return how many records it wrote in all. Later
    /// calls (from any clone) return the same count; records sent afterwards are refused.
    pub fn shutdown(&self) -> Result<u64, AuditError> {
        // Fails only when the thread is already gone; joining below says how it ended.
        let _ = self.tx.send(Msg::Shutdown);
        let join = match self.join.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        match join {
            Some(handle) => handle.join().map_err(|_| AuditError::WriterGone)?,
            None => Ok(self.counters.written.load(Ordering::Relaxed)),
        }
    }

    /// The writer's counters now.
    pub fn stats(&self) -> WriterStats {
        let c = &self.counters;
        WriterStats {
            sent: c.sent.load(Ordering::Relaxed),
            written: c.written.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
            write_errors: c.write_errors.load(Ordering::Relaxed),
        }
    }
}

/// The writer thread's state.
struct Worker {
    store: AuditStore,
    rx: Receiver<Msg>,
    counters: Arc<Counters>,
    /// Records received and not yet committed (kept across failed commits).
    pending: Vec<Record>,
    /// Flushes waiting for `pending` to be committed.
    waiters: Vec<SyncSender<FlushReply>>,
    /// A shutdown was asked for, or every handle is gone.
    stopping: bool,
    backoff: Duration,
    /// After a failed commit: not before this instant.
    retry_at: Option<Instant>,
    last_error: Option<String>,
    /// How long records gather after the first one.
    linger: Duration,
}

impl Worker {
    fn run(mut self) -> Result<u64, AuditError> {
        let mut shutdown_tries = 0;
        loop {
            self.wait();
            self.gather();
            self.drain();
            if self.retry_at.is_none_or(|t| Instant::now() >= t) || self.stopping {
                self.commit();
            }
            if self.stopping {
                if self.pending.is_empty() {
                    break;
                }
                shutdown_tries += 1;
                if shutdown_tries >= SHUTDOWN_TRIES {
                    break;
                }
                std::thread::sleep(self.backoff);
            }
        }
        // Anything that raced in after the last drain is refused (counted), not silently dropped.
        while let Ok(msg) = self.rx.try_recv() {
            if let Msg::Record(..) = msg {
                self.counters.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
        let written = self.counters.written.load(Ordering::Relaxed);
        if self.pending.is_empty() {
            return Ok(written);
        }
        let unwritten = u64::try_from(self.pending.len()).unwrap_or(u64::MAX);
        let last_error = self.last_error.take().unwrap_or_default();
        tracing::error!("audit writer stopped with {unwritten} records unwritten: {last_error}");
        Err(AuditError::Unwritten {
            unwritten,
            last_error,
        })
    }

    /// Block for the next message, or until the next retry when a commit failed.
    fn wait(&mut self) {
        if self.stopping {
            return;
        }
        let msg = match self.retry_at {
            None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(at) => self
                .rx
                .recv_timeout(at.saturating_duration_since(Instant::now())),
        };
        match msg {
            Ok(msg) => self.take(msg),
            Err(RecvTimeoutError::Disconnected) => self.stopping = true,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }

    /// After the first record, let more arrive for `linger` before committing. Sleeping (rather
    /// than waiting on the channel) means the records sent meanwhile wake nobody. Not while a
    /// flush waits, on shutdown, nor while a failed commit waits for its retry.
    fn gather(&mut self) {
        if self.linger.is_zero() || self.stopping || !self.waiters.is_empty() || self.retry_at.is_some() || self.pending.is_empty() {
            return;
        }
        std::thread::sleep(self.linger);
    }

    /// Take what is already queued, without blocking: up to a batch, stopping after a flush so that it
    /// is answered as soon as what came before it is committed.
    fn drain(&mut self) {
        while self.pending.len() < MAX_BATCH && self.waiters.is_empty() {
            match self.rx.try_recv() {
                Ok(msg) => self.take(msg),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.stopping = true;
                    break;
                }
            }
        }
        // On shutdown, take everything that is left, however much.
        while self.stopping {
            match self.rx.try_recv() {
                Ok(msg) => self.take(msg),
                Err(_) => break,
            }
        }
    }

    fn take(&mut self, msg: Msg) {
        match msg {
            Msg::Record(mut r, now) => {
                if let Some(now) = now {
                    r.time = format_system_time(now);
                }
                self.pending.push(r);
            }
            Msg::Flush(reply) => self.waiters.push(reply),
            Msg::Shutdown => self.stopping = true,
        }
    }

    /// Commit `pending` (in batches of at most [`MAX_BATCH`]) and answer the flushes.
    fn commit(&mut self) {
        while !self.pending.is_empty() {
            let n = self.pending.len().min(MAX_BATCH);
            let batch = self.pending.get(..n).unwrap_or_default();
            match self.store.append(batch) {
                Ok(ids) => {
                    let done = u64::try_from(ids.len()).unwrap_or(u64::MAX);
                    self.counters.written.fetch_add(done, Ordering::Relaxed);
                    self.pending.drain(..n);
                    self.backoff = BACKOFF_FIRST;
                    self.retry_at = None;
                    self.last_error = None;
                }
                Err(e) => {
                    self.counters.write_errors.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(
                        "audit commit of {} records failed (retrying in {:?}): {e}",
                        self.pending.len(),
                        self.backoff
                    );
                    self.last_error = Some(e.to_string());
                    self.retry_at = Some(Instant::now() + self.backoff);
                    self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
                    break;
                }
            }
        }
        let reply: FlushReply = if self.pending.is_empty() {
            Ok(())
        } else {
            let unwritten = u64::try_from(self.pending.len()).unwrap_or(u64::MAX);
            Err((unwritten, self.last_error.clone().unwrap_or_default()))
        };
        for waiter in self.waiters.drain(..) {
            // A flusher that stopped waiting is no error.
            let _ = waiter.send(reply.clone());
        }
    }
}
