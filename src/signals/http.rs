//! `http`: probes a URL every `every`. The task only says when each probe starts and
//! how it ended (its latency, or why it failed); the engine makes the values from them
//! (`engine::probes`), so that no value is made before every probe it counts is known.
//!
//! A probe *fails* when it gets no complete answer: a transport error, the timeout, a
//! body cut off or stalled, or a status of 400 or more.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::engine::Msg;

/// One probe: `Ok` when a complete answer with a status below 400 arrived.
async fn probe(client: &reqwest::Client, url: &str) -> Result<(), String> {
    let resp = client.get(url).send().await.map_err(|e| {
        if e.is_timeout() {
            "timed out".to_string()
        } else {
            // the preflight's words ("connection refused"), not reqwest's chain with
            // the URL and the errno
            super::reach::why(&e, Duration::ZERO)
        }
    })?;
    let status = resp.status();
    // the whole body: the latency covers the whole answer, and an answer cut off or
    // stalled is no answer
    let body = resp.bytes().await;
    if status.as_u16() >= 400 {
        return Err(format!("HTTP {status}"));
    }
    body.map_err(|e| {
        if e.is_timeout() {
            "timed out while reading the body".to_string()
        } else {
            format!("the answer was cut off: {}", crate::text::error_chain(&e))
        }
    })?;
    Ok(())
}

pub fn spawn(
    signal: usize,
    url: String,
    every: Duration,
    timeout: Duration,
    tx: mpsc::Sender<Msg>,
) -> Result<JoinHandle<()>, String> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .pool_max_idle_per_host(4)
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    Ok(tokio::spawn(async move {
        // Probes run in their own tasks so that a hanging target does not slow the
        // probe rate. The start is sent before the probe goes out, so the engine always
        // learns of a probe before its outcome.
        let mut tick = crate::clock::ticker(every);
        let mut id: u64 = 0;
        loop {
            tick.tick().await;
            id += 1;
            if tx.send(Msg::ProbeStarted { signal, id }).await.is_err() {
                return;
            }
            let (client, url, tx) = (client.clone(), url.clone(), tx.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let outcome = probe(&client, &url)
                    .await
                    .map(|()| started.elapsed().as_secs_f64());
                let _ = tx
                    .send(Msg::ProbeDone {
                        signal,
                        id,
                        outcome,
                    })
                    .await;
            });
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that says `Content-Length: 1000`, sends 4 bytes and closes: the probe
    /// fails (curl's exit 18), it is not an answer.
    #[tokio::test]
    async fn a_truncated_body_is_a_failed_probe() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            for _ in 0..2 {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabcd")
                    .await
                    .unwrap();
                drop(s);
            }
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let e = probe(&client, &format!("http://{addr}/"))
            .await
            .unwrap_err();
        assert!(e.contains("cut off"), "{e}");
        server.abort();
    }

    /// A body that stalls until the timeout fails the probe too.
    #[tokio::test]
    async fn a_stalled_body_is_a_failed_probe() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_secs(10)).await;
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        let e = probe(&client, &format!("http://{addr}/"))
            .await
            .unwrap_err();
        assert!(e.contains("timed out"), "{e}");
        server.abort();
    }

    /// Outsider 21, finding 9: a probe's error is said in the preflight's plain words.
    #[tokio::test]
    async fn a_refused_probe_says_connection_refused_in_plain_words() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let e = probe(&client, &format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert_eq!(e, "connection refused");
    }
}
