//! A loopback SMTP server that accepts every message and discards it, counting messages and
//! bytes. It answers each command at once, so that it costs less than the senders it measures.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Counts of what the sink accepted.
#[derive(Debug, Default)]
pub struct Counts {
    messages: AtomicU64,
    bytes: AtomicU64,
}

impl Counts {
    /// Messages accepted so far.
    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }

    /// Bytes of message data accepted so far, without the final dot line.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

/// A running sink.
#[derive(Debug, Clone)]
pub struct Sink {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// What it accepted.
    pub counts: Arc<Counts>,
}

impl Sink {
    /// Starts a sink on a free loopback port, serving each connection on its own task.
    pub async fn start() -> anyhow::Result<Sink> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("failed to bind the SMTP sink")?;
        let addr = listener.local_addr()?;
        let counts = Arc::new(Counts::default());
        let served = Arc::clone(&counts);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counts = Arc::clone(&served);
                tokio::spawn(async move {
                    // A client that hangs up mid-session only ends its own connection.
                    let _ = serve(stream, &counts).await;
                });
            }
        });
        Ok(Sink { addr, counts })
    }
}

async fn serve(stream: TcpStream, counts: &Counts) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let verb: Vec<u8> = line.iter().take(4).map(u8::to_ascii_uppercase).collect();
        match verb.as_slice() {
            b"EHLO" => {
                writer
                    .write_all(b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    .await?;
            }
            b"DATA" => {
                writer.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut bytes = 0_u64;
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" {
                        break;
                    }
                    bytes += line.len() as u64;
                }
                counts.messages.fetch_add(1, Ordering::Relaxed);
                counts.bytes.fetch_add(bytes, Ordering::Relaxed);
                writer.write_all(b"250 queued\r\n").await?;
            }
            b"QUIT" => {
                writer.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => writer.write_all(b"250 ok\r\n").await?,
        }
    }
}
