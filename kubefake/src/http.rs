//! A small HTTP/1.1 server loop: enough for hyper's client (keep-alive, Content-Length
//! and chunked request bodies) and for chunked streaming of watch responses.
//!
//! Why not axum's router: a watch response must stream while events happen, and axum 0.8
//! streaming bodies need `futures_core::Stream` or `http_body::Frame`, neither of which is
//! nameable without adding a dependency. The routing itself lives in `api.rs`.

use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::api;
use super::state::Inner;

const MAX_HEADER_LINES: usize = 200;
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response body: complete, or a stream of chunks that ends when the sender is dropped.
pub enum Body {
    Full(Vec<u8>),
    Stream(mpsc::Receiver<Vec<u8>>),
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Response {
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Body::Full(value.to_string().into_bytes()),
        }
    }
}

fn reason_phrase(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

pub async fn serve(listener: TcpListener, inner: Arc<Inner>) {
    let mut shutdown = inner.shutdown_rx();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let inner = inner.clone();
                tokio::spawn(async move { connection(stream, inner).await });
            }
            _ = shutdown.changed() => return,
        }
    }
}

async fn read_line_limited<R: AsyncRead + Unpin>(
    rd: &mut BufReader<R>,
    line: &mut String,
) -> std::io::Result<usize> {
    line.clear();
    let n = (&mut *rd).take(64 * 1024).read_line(line).await?;
    Ok(n)
}

/// Read one request; Ok(None) when the peer closed the connection cleanly.
async fn read_request<R: AsyncRead + Unpin>(
    rd: &mut BufReader<R>,
) -> Result<Option<Request>, String> {
    let mut line = String::new();
    let n = read_line_limited(rd, &mut line)
        .await
        .map_err(|e| e.to_string())?;
    if n == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(_version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("malformed request line {line:?}"));
    };
    let method = method.to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.to_string(), String::new()),
    };
    let mut headers = Vec::new();
    loop {
        if headers.len() > MAX_HEADER_LINES {
            return Err("too many headers".into());
        }
        read_line_limited(rd, &mut line)
            .await
            .map_err(|e| e.to_string())?;
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        let Some((k, v)) = l.split_once(':') else {
            return Err(format!("malformed header {l:?}"));
        };
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let mut req = Request {
        method,
        path,
        query,
        headers,
        body: Vec::new(),
    };
    if req
        .header("transfer-encoding")
        .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
    {
        loop {
            read_line_limited(rd, &mut line)
                .await
                .map_err(|e| e.to_string())?;
            let size_str = line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size_str, 16)
                .map_err(|_| format!("bad chunk size {size_str:?}"))?;
            if req.body.len() + size > MAX_BODY_BYTES {
                return Err("request body too large".into());
            }
            let mut chunk = vec![0u8; size];
            rd.read_exact(&mut chunk).await.map_err(|e| e.to_string())?;
            req.body.extend_from_slice(&chunk);
            read_line_limited(rd, &mut line)
                .await
                .map_err(|e| e.to_string())?;
            if size == 0 {
                break;
            }
        }
    } else if let Some(len) = req.header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| format!("bad Content-Length {len:?}"))?;
        if len > MAX_BODY_BYTES {
            return Err("request body too large".into());
        }
        let mut body = vec![0u8; len];
        rd.read_exact(&mut body).await.map_err(|e| e.to_string())?;
        req.body = body;
    }
    Ok(Some(req))
}

async fn write_head<W: AsyncWriteExt + Unpin>(
    wr: &mut W,
    status: u16,
    headers: &[(String, String)],
    extra: &str,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("Audit-Id: kubefake\r\nCache-Control: no-cache, private\r\n");
    head.push_str(extra);
    head.push_str("\r\n");
    wr.write_all(head.as_bytes()).await
}

async fn connection(stream: TcpStream, inner: Arc<Inner>) {
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    loop {
        let req = match read_request(&mut rd).await {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(msg) => {
                let resp = api::bad_request(&msg);
                if let Body::Full(b) = resp.body {
                    let extra = format!("Content-Length: {}\r\nConnection: close\r\n", b.len());
                    let _ = write_head(&mut wr, resp.status, &resp.headers, &extra).await;
                    let _ = wr.write_all(&b).await;
                }
                return;
            }
        };
        let resp = api::handle(&inner, req).await;
        match resp.body {
            Body::Full(b) => {
                let extra = format!("Content-Length: {}\r\n", b.len());
                if write_head(&mut wr, resp.status, &resp.headers, &extra)
                    .await
                    .is_err()
                    || wr.write_all(&b).await.is_err()
                    || wr.flush().await.is_err()
                {
                    return;
                }
            }
            Body::Stream(mut rx) => {
                let extra = "Transfer-Encoding: chunked\r\nConnection: close\r\n";
                if write_head(&mut wr, resp.status, &resp.headers, extra)
                    .await
                    .is_err()
                {
                    return;
                }
                while let Some(chunk) = rx.recv().await {
                    if chunk.is_empty() {
                        continue;
                    }
                    let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                    framed.extend_from_slice(&chunk);
                    framed.extend_from_slice(b"\r\n");
                    if wr.write_all(&framed).await.is_err() || wr.flush().await.is_err() {
                        return;
                    }
                }
                let _ = wr.write_all(b"0\r\n\r\n").await;
                let _ = wr.flush().await;
                return;
            }
        }
    }
}
