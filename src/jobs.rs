//! Jobs (crawl, index, rebuild) made visible: each run records itself in `DATA/jobs/KIND.json` —
//! running with its progress, then its result or error — so `cited jobs` and `GET /api/jobs` can say
//! what is running and how the last run ended, whichever process ran it. A record that says
//! "running" for a process that no longer exists reads as `interrupted`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::data_dir::DataDir;

/// The kinds of job, in display order.
pub const KINDS: [&str; 3] = ["crawl", "index", "rebuild"];

/// How often progress is written while a job runs.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Running,
    Done,
    Failed,
    /// It was running in a process that has gone (killed).
    Interrupted,
}

/// One job's record.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobRecord {
    pub kind: String,
    pub state: JobState,
    /// The process running it (0, and left out, in what the public sees).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pid: u32,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<DateTime<Utc>>,
    /// What it is doing now (`crawling`, `indexing pages`, `embedding pages`…) and how far.
    pub stage: String,
    pub done: u64,
    pub total: u64,
    /// The run's summary when done.
    #[schema(value_type = Object)]
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
}

fn is_zero(pid: &u32) -> bool {
    *pid == 0
}

impl JobRecord {
    /// What a reader without the admin token sees: no process id, and a failure without its
    /// error text (paths, addresses and internals are for the operator).
    pub fn for_the_public(mut self) -> Self {
        self.pid = 0;
        if self.error.is_some() {
            self.error = Some("failed; the operator sees why in `cited jobs`".into());
        }
        self
    }
}

fn path(data: &DataDir, kind: &str) -> PathBuf {
    data.root().join("jobs").join(format!("{kind}.json"))
}

/// The last record of each kind of job that has ever run.
pub fn list(data: &DataDir) -> Vec<JobRecord> {
    KINDS
        .iter()
        .filter_map(|kind| {
            let text = std::fs::read_to_string(path(data, kind)).ok()?;
            let mut record: JobRecord = serde_json::from_str(&text).ok()?;
            if record.state == JobState::Running && !alive(record.pid) {
                record.state = JobState::Interrupted;
            }
            Some(record)
        })
        .collect()
}

/// Returns true if a job of `kind` is running now.
/// Jobs this process has admitted and not yet finished, by data directory and kind.
static ADMITTED: Mutex<Vec<(PathBuf, &'static str)>> = Mutex::new(Vec::new());

/// A job admitted to run: while it lives, no other job of its kind (or of a kind it excludes) is
/// admitted for the same data directory in this process.
#[derive(Debug)]
pub struct Admitted {
    key: (PathBuf, &'static str),
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut admitted = ADMITTED.lock().expect("admission lock");
        if let Some(i) = admitted.iter().position(|k| *k == self.key) {
            admitted.remove(i);
        }
    }
}

/// Admits a job of `kind` unless one of `excluded` (which should include `kind`) is running —
/// admitted in this process, or recorded as running by another — in one step under one lock, so
/// that of many requests at once exactly one starts. `Err` names the job in the way.
pub fn admit(
    data: &DataDir,
    kind: &'static str,
    excluded: &[&'static str],
) -> Result<Admitted, &'static str> {
    let mut admitted = ADMITTED.lock().expect("admission lock");
    let root = data.root().to_path_buf();
    for other in excluded {
        if admitted.iter().any(|(r, k)| *r == root && k == other) || running(data, other) {
            return Err(other);
        }
    }
    let key = (root, kind);
    admitted.push(key.clone());
    Ok(Admitted { key })
}

pub fn running(data: &DataDir, kind: &str) -> bool {
    list(data)
        .iter()
        .any(|r| r.kind == kind && r.state == JobState::Running)
}

fn alive(pid: u32) -> bool {
    pid == std::process::id() || PathBuf::from(format!("/proc/{pid}")).exists()
}

/// A job being recorded; finish it with [`Job::finish`] (dropped unfinished, it reads as
/// interrupted once its process is gone, or failed if the process lives on).
pub struct Job {
    data: DataDir,
    record: Mutex<(JobRecord, Instant)>,
}

impl Job {
    pub fn start(data: &DataDir, kind: &str) -> Self {
        let record = JobRecord {
            kind: kind.to_string(),
            state: JobState::Running,
            pid: std::process::id(),
            started_at: Utc::now(),
            finished_at: None,
            stage: "starting".into(),
            done: 0,
            total: 0,
            result: None,
            error: None,
        };
        let job = Self {
            data: data.clone(),
            record: Mutex::new((record, Instant::now())),
        };
        job.save(&job.record.lock().expect("job lock").0);
        job
    }

    /// Records progress (written at most every half second).
    pub fn progress(&self, stage: &str, done: u64, total: u64) {
        let mut guard = self.record.lock().expect("job lock");
        let (record, written) = &mut *guard;
        record.stage = stage.to_string();
        record.done = done;
        record.total = total;
        if written.elapsed() >= PROGRESS_EVERY || done == total {
            *written = Instant::now();
            let copy = record.clone();
            drop(guard);
            self.save(&copy);
        }
    }

    /// Records how the job ended.
    pub fn finish<T: Serialize>(self, outcome: &Result<T>) {
        let mut record = self.record.lock().expect("job lock").0.clone();
        record.finished_at = Some(Utc::now());
        match outcome {
            Ok(value) => {
                record.state = JobState::Done;
                record.stage = "done".into();
                record.result = serde_json::to_value(value).ok();
            }
            Err(e) => {
                record.state = JobState::Failed;
                record.stage = "failed".into();
                record.error = Some(format!("{e:#}"));
            }
        }
        self.save(&record);
    }

    /// Writes the record atomically (temp file + rename); a failure to record never fails the job.
    fn save(&self, record: &JobRecord) {
        let target = path(&self.data, &record.kind);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(target.parent().expect("jobs dir"))?;
            let tmp = target.with_extension(format!("json.{}.tmp", std::process::id()));
            std::fs::write(
                &tmp,
                serde_json::to_vec_pretty(record).expect("records serialize"),
            )?;
            std::fs::rename(&tmp, &target)
        };
        if let Err(e) = write() {
            tracing::warn!(error = %e, "cannot record the job");
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // Unfinished and the process lives on (a panic caught above): say so.
        let record = &self.record.lock().expect("job lock").0;
        if record.state == JobState::Running && record.finished_at.is_none() {
            let current = std::fs::read_to_string(path(&self.data, &record.kind))
                .ok()
                .and_then(|t| serde_json::from_str::<JobRecord>(&t).ok());
            if current.is_some_and(|c| c.state == JobState::Running && c.pid == record.pid) {
                let mut failed = record.clone();
                failed.state = JobState::Failed;
                failed.error = Some("the job stopped without a result".into());
                failed.finished_at = Some(Utc::now());
                self.save(&failed);
            }
        }
    }
}

/// Runs `f` as a recorded job of `kind`, with a progress callback.
pub fn run<T: Serialize>(
    data: &DataDir,
    kind: &str,
    f: impl FnOnce(&dyn Fn(&str, u64, u64)) -> Result<T>,
) -> Result<T> {
    run_started(Job::start(data, kind), f)
}

/// [`run`] for a job already recorded as running: a handler records it before it answers 202, so
/// that `/api/jobs` shows the job from then on.
pub fn run_started<T: Serialize>(
    job: Job,
    f: impl FnOnce(&dyn Fn(&str, u64, u64)) -> Result<T>,
) -> Result<T> {
    let outcome = f(&|stage, done, total| job.progress(stage, done, total));
    job.finish(&outcome);
    outcome
}
