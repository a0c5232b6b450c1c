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
    /// The shell exited, but something it started (a daemon whose output was not
    /// redirected) still held its standard output or error open past [`OUTPUT_GRACE`]:
    /// what it printed after that is not read, and nothing more is waited for.
    pub held_open: bool,
}

/// How long the output of a command that has exited is still read: what it printed last
/// is in the pipe already; a pipe still open past this is held by a process it started.
pub const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// Why a command's result came without all of its output, and what to do.
pub fn held_open_words() -> String {
    format!(
        "the command exited, but a process it started (a daemon, a `&` job) still holds its \
         output open, so gameday stopped reading it after {} and judged the command by its \
         exit status; start such processes with their output redirected \
         (`… >/dev/null 2>&1 &`, or to a log file)",
        crate::units::format_duration(OUTPUT_GRACE)
    )
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

/// Puts the command in a process group of its own (so that it and its helpers can be
/// killed together, and so that a hang-up or Ctrl-C sent to gameday's group does not
/// reach it), in a way that leaves no window for such a signal to kill it first.
///
/// `Command::process_group` alone is not enough: without a `pre_exec` step, the standard
/// library starts the child with `posix_spawn`, whose child resets every signal handler
/// to the default *before* it leaves gameday's group. A terminal that hangs up sends
/// SIGHUP to that group a moment after gameday has seen the hang-up on its input: the
/// kill switch is already starting the revert, and a revert child caught in that window
/// died of the SIGHUP (seen on a loaded machine: the first revert attempt after an SSH
/// drop failed, the retry succeeded). With a `pre_exec` step the child is forked, keeps
/// gameday's handlers until `exec`, and leaves the group here, before `exec`: a signal
/// for the group that arrives before then runs a handler and is gone.
fn own_group(cmd: &mut Command, script: &str, dies_with_gameday: bool) {
    let stall = test_spawn_stall(script);
    let parent = nix::unistd::getpid().as_raw();
    // SAFETY: between fork and exec only async-signal-safe calls are made (open, close,
    // sleep, setpgid), with nothing allocated.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(path) = &stall {
                let fd = nix::libc::open(
                    path.as_ptr(),
                    nix::libc::O_CREAT | nix::libc::O_WRONLY | nix::libc::O_CLOEXEC,
                    0o600,
                );
                if fd >= 0 {
                    nix::libc::close(fd);
                }
                nix::libc::sleep(5);
            }
            if nix::libc::setpgid(0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if dies_with_gameday {
                if nix::libc::prctl(nix::libc::PR_SET_PDEATHSIG, nix::libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // gameday died before the line above: nothing will kill this one
                if nix::libc::getppid() != parent {
                    return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
                }
            }
            Ok(())
        });
    }
}

/// The window before a command leaves gameday's process group, widened on demand for a
/// test: with `GAMEDAY_TEST_SPAWN_STALL=PATH`, a command whose script mentions PATH
/// creates `PATH.stalled` and waits 5 s before leaving the group (debug builds only).
#[cfg(debug_assertions)]
fn test_spawn_stall(script: &str) -> Option<std::ffi::CString> {
    let path = std::env::var("GAMEDAY_TEST_SPAWN_STALL").ok()?;
    if path.is_empty() || !script.contains(&path) {
        return None;
    }
    std::ffi::CString::new(format!("{path}.stalled")).ok()
}

#[cfg(not(debug_assertions))]
fn test_spawn_stall(_script: &str) -> Option<std::ffi::CString> {
    None
}

const MAX_CAPTURE: usize = 64 * 1024;

type Captured = std::sync::Arc<std::sync::Mutex<Vec<u8>>>;

/// Reads `r` to its end into `buf` (its last [`MAX_CAPTURE`] bytes), where what was read
/// so far can be taken even if the end never comes.
async fn read_capped<R: tokio::io::AsyncRead + Unpin>(r: Option<R>, buf: Captured) {
    let Some(mut r) = r else {
        return;
    };
    let mut chunk = [0u8; 4096];
    loop {
        match r.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let Ok(mut buf) = buf.lock() else {
                    return;
                };
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_CAPTURE {
                    let cut = buf.len() - MAX_CAPTURE;
                    buf.drain(..cut);
                }
            }
        }
    }
}

fn taken(buf: &Captured) -> String {
    buf.lock()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Runs `sh -c script` with `env` added, at most `timeout`.
pub async fn run_shell(
    script: &str,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<Output, String> {
    run_shell_as(script, env, timeout, false).await
}

/// [`run_shell`] for a fault's injection: its shell is killed (SIGKILL, Linux's
/// parent-death signal) when gameday dies, by `kill -9` or a crash, while it runs.
/// In its own process group it would otherwise go on, past its `timeout` (gameday
/// enforces it), and run the rest of its script after `recover` has reverted the fault
/// or the operator has closed it by hand. The signal reaches the shell only: the command
/// it is running at that moment, and what it started in the background, go on.
/// Reverts are not tied so: one that gameday started goes on to its end.
///
/// The signal is sent when the *thread* that forked the shell ends: injections are
/// started from the runtime's worker threads, which live as long as gameday does.
pub async fn run_shell_injecting(
    script: &str,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<Output, String> {
    run_shell_as(script, env, timeout, true).await
}

async fn run_shell_as(
    script: &str,
    env: &[(String, String)],
    timeout: Duration,
    dies_with_gameday: bool,
) -> Result<Output, String> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    own_group(&mut cmd, script, dies_with_gameday);
    let mut child = cmd.spawn().map_err(|e| format!("cannot start sh: {e}"))?;
    let mut guard = GroupGuard(child.id().map(|p| p as i32));
    let (out_buf, err_buf) = (Captured::default(), Captured::default());
    let out_task = tokio::spawn(read_capped(child.stdout.take(), out_buf.clone()));
    let err_task = tokio::spawn(read_capped(child.stderr.take(), err_buf.clone()));
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
    // generator, a proxy, a daemon restarted by a revert) stays; its output is read for
    // at most OUTPUT_GRACE more, both pipes at once. A pipe still open then is held by
    // one of those processes: it may never close, and the command's result is its exit
    // status, not the end of that output.
    guard.0 = None;
    let both = async {
        let _ = out_task.await;
        let _ = err_task.await;
    };
    let held_open = tokio::time::timeout(OUTPUT_GRACE, both).await.is_err();
    Ok(Output {
        code: status.code(),
        stdout: taken(&out_buf),
        stderr: taken(&err_buf),
        held_open,
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

    /// `revert: redis-server &` without a redirect: the daemon holds the pipe for as long
    /// as it lives. The command's result comes when the shell exits (plus the grace),
    /// judged by its exit status, with what it printed, and says why.
    #[tokio::test]
    async fn a_daemon_holding_the_output_is_not_waited_for() {
        let started = std::time::Instant::now();
        let out = run_shell("sleep 20 & echo started $!", &[], Duration::from_secs(30))
            .await
            .unwrap();
        let pid: i32 = out
            .stdout
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .expect("the pid of the daemon");
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
        assert!(out.held_open, "{out:?}");
        assert!(out.success(), "{out:?}");
        assert!(out.stdout.starts_with("started"), "{out:?}");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "not waited for until the daemon ended: {:?}",
            started.elapsed()
        );
        assert!(held_open_words().contains(">/dev/null 2>&1 &"));
        // output redirected: nothing holds it, nothing to say
        let out = run_shell(
            "sleep 1 >/dev/null 2>&1 & echo ok",
            &[],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert!(!out.held_open, "{out:?}");
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
