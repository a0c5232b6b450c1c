//! `command`: the number a shell command prints.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::engine::Msg;
use crate::proc::run_shell;

/// Reads the value a command printed: the whole trimmed output must be one number, so
/// that a message like "error: 3 retries" is never taken for the value 3.
pub fn parse_output(stdout: &str) -> Result<f64, String> {
    let text = stdout.trim();
    if text.is_empty() {
        return Err("the command printed nothing".to_string());
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!("the command printed {text:?}, not a finite number")),
        Err(_) => {
            let shown: String = text.chars().take(60).collect();
            Err(format!("the command printed {shown:?}, not a number"))
        }
    }
}

pub async fn sample(command: &str, timeout: Duration) -> Result<f64, String> {
    let out = run_shell(command, &[], timeout).await?;
    if !out.success() {
        return Err(out.summary());
    }
    parse_output(&out.stdout)
}

pub fn spawn(
    signal: usize,
    command: String,
    every: Duration,
    tx: mpsc::Sender<Msg>,
) -> JoinHandle<()> {
    // a sample that takes longer than the interval is late; give it the interval, at
    // least a second
    let timeout = every.max(Duration::from_secs(1));
    tokio::spawn(async move {
        let mut tick = crate::clock::ticker(every);
        loop {
            tick.tick().await;
            let value = sample(&command, timeout).await;
            if tx.send(Msg::sample(signal, value)).await.is_err() {
                return;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_number_is_a_value() {
        assert_eq!(parse_output(" 42\n"), Ok(42.0));
        assert_eq!(parse_output("0.5"), Ok(0.5));
        assert!(parse_output("").unwrap_err().contains("printed nothing"));
        assert!(parse_output("error: 3 retries")
            .unwrap_err()
            .contains("not a number"));
        assert!(parse_output("NaN").is_err());
    }

    #[tokio::test]
    async fn a_failing_command_is_a_sample_error() {
        assert_eq!(sample("echo 7", Duration::from_secs(5)).await, Ok(7.0));
        let e = sample("echo 'no route' >&2; exit 2", Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(e, "exit 2: no route");
    }
}
