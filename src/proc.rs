//! Running `sh -c` commands for faults and signals: bounded in time, output captured,
//! and the whole process group killed on timeout or cancellation, so a fault's helper
//! processes never outlive it.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

/// What a finished command left behind.
#[derive(Debug, Clone)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// A one-line account: the exit status and the tail of what it printed.
    pub fn summary(&self) -> String {
        let status = match self.code {
            Some(c) => format!("exit {c}"),
            None => "killed by a signal".to_string(),
        };
        let text = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        let tail = tail_line(text, 200);
        if tail.is_empty() {
            status
        } else {
            format!("{status}: {tail}")
        }
    }
}

/// The last non-empty lines of `text`, joined, at most `max` characters.
pub fn tail_line(text: &str, max: usize) -> String {
    let joined: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let joined = joined.join(" / ");
    let n = joined.chars().count();
    if n > max {
        let skip = n - max;
        format!("…{}", joined.chars().skip(skip).collect::<String>())
    } else {
        joined
    }
}

/// Kills the process group when dropped: on timeout, on cancellation of the task that
/// waits for it, and on every error path in between.
struct GroupGuard(Option<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.0.take() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pgid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

const MAX_CAPTURE: usize = 64 * 1024;

async fn read_capped<R: tokio::io::AsyncRead + Unpin>(mut r: R) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match r.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_CAPTURE {
                    let cut = buf.len() - MAX_CAPTURE;
                    buf.drain(..cut);
                }
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Runs `sh -c script` with `env` added, at most `timeout`.
pub async fn run_shell(
    script: &str,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<Output, String> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| format!("cannot start sh: {e}"))?;
    let mut guard = GroupGuard(child.id().map(|p| p as i32));
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out_task = tokio::spawn(async move {
        match stdout {
            Some(s) => read_capped(s).await,
            None => String::new(),
        }
    });
    let err_task = tokio::spawn(async move {
        match stderr {
            Some(s) => read_capped(s).await,
            None => String::new(),
        }
    });
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => return Err(format!("waiting for sh: {e}")),
        Err(_) => {
            drop(guard);
            return Err(format!(
                "timed out after {} and was killed",
                crate::units::format_duration(timeout)
            ));
        }
    };
    // The shell finished: what it started in the background on purpose (a load
    // generator, a proxy) stays; its output is read for at most 2 s more.
    guard.0 = None;
    let stdout = tokio::time::timeout(Duration::from_secs(2), out_task)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let stderr = tokio::time::timeout(Duration::from_secs(2), err_task)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    Ok(Output {
        code: status.code(),
        stdout,
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn captures_output_and_status() {
        let out = run_shell(
            "echo hello; echo oops >&2; exit 3",
            &[],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout.trim(), "hello");
        assert_eq!(out.summary(), "exit 3: oops");
        let out = run_shell(
            "echo $GREETING",
            &[("GREETING".into(), "hi there".into())],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(out.stdout.trim(), "hi there");
    }

    #[tokio::test]
    async fn timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let script = format!("(sleep 1; touch {}) & sleep 30", marker.display());
        let err = run_shell(&script, &[], Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(err.contains("timed out after 200 ms"), "{err}");
        tokio::time::sleep(Duration::from_millis(1300)).await;
        assert!(
            !marker.exists(),
            "the background child was killed with its group"
        );
    }
}
