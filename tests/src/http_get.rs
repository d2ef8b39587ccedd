//! A minimal HTTP/1.1 GET over a raw TCP connection to `127.0.0.1`, for checking what nginx sends: status, headers,
//! body bytes exactly as sent (not decompressed, not de-chunked). Test-only plumbing, not a general client.

use anyhow::{bail, Context};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upper bound for one request, connect to last byte.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// `GET <path>` on `127.0.0.1:<port>` with `extra` request headers and `Connection: close`.
pub async fn get(port: u16, path: &str, extra: &[(&str, &str)]) -> anyhow::Result<Response> {
    tokio::time::timeout(REQUEST_TIMEOUT, async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.context("connecting")?;
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
        for (name, value) in extra {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await.context("sending request")?;
        // Some servers (chromedriver) keep the connection open despite `Connection: close`: stop at the end of
        // the message as its headers delimit it, or at EOF.
        let mut raw = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = stream.read(&mut buf).await.context("reading response")?;
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
            if is_complete(&raw) {
                break;
            }
        }
        parse(&raw)
    })
    .await
    .with_context(|| format!("GET http://127.0.0.1:{port}{path} timed out"))?
    .with_context(|| format!("GET http://127.0.0.1:{port}{path}"))
}

/// Whether `raw` holds a whole response: headers plus `Content-Length` bytes, or a chunked body's last chunk.
fn is_complete(raw: &[u8]) -> bool {
    let Ok(response) = parse(raw) else { return false };
    if let Some(length) = response.header("content-length").and_then(|l| l.parse::<usize>().ok()) {
        return response.body.len() >= length;
    }
    if response
        .header("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        return response.body.ends_with(b"0\r\n\r\n");
    }
    false
}

fn parse(raw: &[u8]) -> anyhow::Result<Response> {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        bail!("no end of headers in {} bytes", raw.len());
    };
    let head = std::str::from_utf8(&raw[..end]).context("headers are not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line {status_line:?}"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_headers_and_body() {
        let r = parse(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX: y\r\n\r\nhello").unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("text/html"));
        assert_eq!(r.body, b"hello");
    }

    #[test]
    fn a_response_is_complete_once_content_length_bytes_arrived() {
        assert!(!is_complete(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"));
        assert!(is_complete(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
        assert!(is_complete(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
        ));
    }

    #[test]
    fn rejects_a_response_without_end_of_headers() {
        assert!(parse(b"HTTP/1.1 200 OK\r\n").is_err());
    }
}
