//! A small SMTP server on loopback for tests: it speaks enough of RFC 5321 for a real client
//! (EHLO/HELO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), records
//! every accepted message, and injects faults on request.
//!
//! Faults are counted across connections: "reply 451 at MAIL for the first 2 attempts" affects the
//! first two MAIL commands the server sees, whichever connection they arrive on.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use vahti_testkit::smtp::{Fault, SmtpServer, Stage};
//!
//! let server = SmtpServer::start().await?;
//! server.inject(Fault::reply(Stage::Mail, 451, "4.3.0 Try again later", 1));
//! // ... send through 127.0.0.1:server.port() ...
//! let messages = server.wait_for_messages(1, std::time::Duration::from_secs(5)).await;
//! # Ok(())
//! # }
//! ```

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// The maximum length of a command or data line, in bytes including CRLF. It is above the limits
/// of RFC 5321 section 4.5.3.1 (512 for commands, 1000 for text lines), so that only a broken
/// client gets an error.
const MAX_LINE_BYTES: usize = 4096;

/// The maximum message size the server accepts, in bytes.
const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// A point in an SMTP session where a fault can be injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The 220 greeting sent when a client connects.
    Greeting,
    /// The reply to EHLO or HELO.
    Hello,
    /// The reply to MAIL FROM.
    Mail,
    /// The reply to RCPT TO.
    Rcpt,
    /// The 354 reply to the DATA command.
    Data,
    /// The final reply after the message content and its terminating dot.
    DataEnd,
}

/// A fault the server injects for the first `times` occurrences of its stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Replies with `code` and `text` instead of the normal reply. A 4xx or 5xx reply to MAIL,
    /// RCPT or DATA (before or after the content) makes the client abandon the transaction.
    Reply {
        /// The stage whose reply is replaced.
        stage: Stage,
        /// The three-digit reply code, such as 451 or 550.
        code: u16,
        /// The reply text after the code.
        text: String,
        /// How many times the fault fires before the server behaves normally.
        times: usize,
    },
    /// Waits `by` before sending the normal reply.
    Delay {
        /// The stage whose reply is delayed.
        stage: Stage,
        /// How long the server waits.
        by: Duration,
        /// How many times the fault fires.
        times: usize,
    },
    /// Closes the connection after the first line of message content, without a reply.
    DropDuringData {
        /// How many times the fault fires.
        times: usize,
    },
}

impl Fault {
    /// A fault that replies `code text` at `stage` for the first `times` occurrences.
    pub fn reply(stage: Stage, code: u16, text: impl Into<String>, times: usize) -> Self {
        Fault::Reply {
            stage,
            code,
            text: text.into(),
            times,
        }
    }

    /// A fault that delays the reply at `stage` by `by` for the first `times` occurrences.
    pub fn delay(stage: Stage, by: Duration, times: usize) -> Self {
        Fault::Delay { stage, by, times }
    }

    /// A fault that drops the connection during DATA for the first `times` messages.
    pub fn drop_during_data(times: usize) -> Self {
        Fault::DropDuringData { times }
    }

    fn remaining(&mut self) -> &mut usize {
        match self {
            Fault::Reply { times, .. }
            | Fault::Delay { times, .. }
            | Fault::DropDuringData { times } => times,
        }
    }
}

/// A message the server accepted with a 250 reply after DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The reverse path of MAIL FROM, without angle brackets.
    pub mail_from: String,
    /// The forward paths of RCPT TO, in order, without angle brackets.
    pub rcpt_to: Vec<String>,
    /// The message content with CRLF line endings, dot-unstuffed, without the final `.` line.
    pub data: Vec<u8>,
    /// The number of the connection that delivered it, counted from 1.
    pub connection: usize,
    /// The user name of a successful AUTH on that connection.
    pub authenticated_as: Option<String>,
}

/// Settings of an [`SmtpServer`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmtpServerConfig {
    /// The user name and password that AUTH PLAIN and LOGIN accept. When set, the server
    /// advertises AUTH and rejects MAIL before a successful AUTH with 530.
    pub credentials: Option<(String, String)>,
}

/// An SMTP server on 127.0.0.1 with a fixed port. Dropping it stops the listener and every open
/// session.
#[derive(Debug)]
pub struct SmtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Mutex<JoinSet<()>>,
}

#[derive(Debug)]
struct Shared {
    config: SmtpServerConfig,
    messages: Mutex<Vec<ReceivedMessage>>,
    faults: Mutex<Vec<Fault>>,
    received: Notify,
    connections: AtomicUsize,
    transactions_open: AtomicUsize,
    transactions_max: AtomicUsize,
}

impl SmtpServer {
    /// Starts a server on a free port of 127.0.0.1 with default settings.
    pub async fn start() -> io::Result<Self> {
        Self::start_with(SmtpServerConfig::default()).await
    }

    /// Starts a server on a free port of 127.0.0.1.
    pub async fn start_with(config: SmtpServerConfig) -> io::Result<Self> {
        let server = Self::stopped_with(config).await?;
        server.listen().await?;
        Ok(server)
    }

    /// Reserves a free port without listening on it, so that connections are refused until
    /// [`SmtpServer::listen`] is called.
    ///
    /// The port is found by binding and releasing it. Another process could take it in between,
    /// which on loopback in a test run is unlikely.
    pub async fn stopped() -> io::Result<Self> {
        Self::stopped_with(SmtpServerConfig::default()).await
    }

    /// Like [`SmtpServer::stopped`], with settings.
    pub async fn stopped_with(config: SmtpServerConfig) -> io::Result<Self> {
        let probe = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = probe.local_addr()?;
        drop(probe);

        Ok(SmtpServer {
            addr,
            shared: Arc::new(Shared {
                config,
                messages: Mutex::new(Vec::new()),
                faults: Mutex::new(Vec::new()),
                received: Notify::new(),
                connections: AtomicUsize::new(0),
                transactions_open: AtomicUsize::new(0),
                transactions_max: AtomicUsize::new(0),
            }),
            tasks: Mutex::new(JoinSet::new()),
        })
    }

    /// Starts accepting connections on the reserved port.
    pub async fn listen(&self) -> io::Result<()> {
        let socket = TcpSocket::new_v4()?;
        // The port may still have connections in TIME_WAIT from an earlier listener.
        socket.set_reuseaddr(true)?;
        socket.bind(self.addr)?;
        let listener = socket.listen(128)?;

        let shared = Arc::clone(&self.shared);
        lock(&self.tasks).spawn(accept_loop(listener, shared));
        Ok(())
    }

    /// Stops listening and closes every open session, so that new connections are refused.
    pub fn stop(&self) {
        lock(&self.tasks).abort_all();
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Adds a fault. Faults fire in the order they were added.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// The messages accepted so far, in the order of their final 250 reply.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        lock(&self.shared.messages).clone()
    }

    /// Waits until at least `count` messages have been accepted or `timeout` has passed, and
    /// returns the messages accepted by then.
    pub async fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<ReceivedMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.received.notified();
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.messages();
            }
        }
    }

    /// The number of connections accepted so far.
    pub fn connections_accepted(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The largest number of mail transactions (MAIL to the end of DATA) that were open at the
    /// same time.
    pub fn max_concurrent_transactions(&self) -> usize {
        self.shared.transactions_max.load(Ordering::SeqCst)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Locks a mutex, ignoring poisoning: the data here stays consistent even if a test panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut sessions = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let number = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let shared = Arc::clone(&shared);
        sessions.spawn(async move {
            // A session ends on QUIT, a dropped connection or an I/O error, and none of them
            // concerns the other sessions.
            let _ = Session::new(stream, shared, number).run().await;
        });
        // Reap finished sessions so the set does not grow without bound.
        while sessions.try_join_next().is_some() {}
    }
}

/// The session's behaviour at a stage, chosen from the injected faults.
enum Action {
    Normal,
    Reply(u16, String),
    Delay(Duration),
}

impl Shared {
    /// Takes the first matching fault for `stage`, counting it down.
    fn fault_at(&self, stage: Stage) -> Action {
        let mut faults = lock(&self.faults);
        for fault in faults.iter_mut() {
            let action = match fault {
                Fault::Reply {
                    stage: at,
                    code,
                    text,
                    ..
                } if *at == stage => Action::Reply(*code, text.clone()),
                Fault::Delay { stage: at, by, .. } if *at == stage => Action::Delay(*by),
                _ => continue,
            };
            let remaining = fault.remaining();
            if *remaining == 0 {
                continue;
            }
            *remaining -= 1;
            return action;
        }
        Action::Normal
    }

    /// Whether the connection is to be dropped during this message's DATA, counting it down.
    fn drop_during_data(&self) -> bool {
        let mut faults = lock(&self.faults);
        for fault in faults.iter_mut() {
            if let Fault::DropDuringData { times } = fault
                && *times > 0
            {
                *times -= 1;
                return true;
            }
        }
        false
    }

    fn open_transaction(&self) {
        let open = self.transactions_open.fetch_add(1, Ordering::SeqCst) + 1;
        self.transactions_max.fetch_max(open, Ordering::SeqCst);
    }

    fn close_transaction(&self) {
        self.transactions_open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The state of one mail transaction.
#[derive(Default)]
struct Transaction {
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

struct Session {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
    shared: Arc<Shared>,
    number: usize,
    transaction: Transaction,
    authenticated_as: Option<String>,
}

/// Whether the session goes on after a command.
enum Flow {
    Continue,
    Close,
}

impl Session {
    fn new(stream: TcpStream, shared: Arc<Shared>, number: usize) -> Self {
        // Replies are small, and sending them at once keeps the client from waiting on Nagle.
        let _ = stream.set_nodelay(true);
        let (reader, writer) = stream.into_split();
        Session {
            reader: BufReader::new(reader),
            writer,
            shared,
            number,
            transaction: Transaction::default(),
            authenticated_as: None,
        }
    }

    async fn run(mut self) -> io::Result<()> {
        let result = self.converse().await;
        if self.transaction.mail_from.is_some() {
            self.shared.close_transaction();
        }
        result
    }

    async fn converse(&mut self) -> io::Result<()> {
        self.reply_at(
            Stage::Greeting,
            220,
            "localhost Vahti test SMTP server ready",
        )
        .await?;

        loop {
            let Some(line) = read_line(&mut self.reader).await? else {
                return Ok(());
            };
            let text = String::from_utf8_lossy(&line);
            let command = text.trim_end_matches(['\r', '\n']).trim_start();
            let verb = command
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let argument = command.get(verb.len()..).unwrap_or_default().trim();

            let flow = match verb.as_str() {
                "EHLO" => self.ehlo().await?,
                "HELO" => self.helo().await?,
                "AUTH" => self.auth(argument).await?,
                "MAIL" => self.mail(argument).await?,
                "RCPT" => self.rcpt(argument).await?,
                "DATA" => self.data().await?,
                "RSET" => {
                    self.reset_transaction();
                    self.send(250, "OK").await?
                }
                "NOOP" => self.send(250, "OK").await?,
                "VRFY" => self.send(252, "Cannot verify the user").await?,
                "QUIT" => {
                    self.send(221, "Bye").await?;
                    Flow::Close
                }
                _ => self.send(500, "Command not recognised").await?,
            };
            if let Flow::Close = flow {
                return Ok(());
            }
        }
    }

    async fn ehlo(&mut self) -> io::Result<Flow> {
        self.reset_transaction();
        let mut lines = vec!["localhost", "8BITMIME", "SMTPUTF8", "SIZE 16777216"];
        if self.shared.config.credentials.is_some() {
            lines.push("AUTH PLAIN LOGIN");
        }
        self.reply_lines_at(Stage::Hello, 250, &lines).await
    }

    async fn helo(&mut self) -> io::Result<Flow> {
        self.reset_transaction();
        self.reply_at(Stage::Hello, 250, "localhost").await
    }

    async fn auth(&mut self, argument: &str) -> io::Result<Flow> {
        let Some((user, password)) = self.shared.config.credentials.clone() else {
            return self.send(502, "AUTH not supported").await;
        };
        let mut words = argument.split_whitespace();
        let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
        let initial = words.next().map(str::to_owned);

        let given = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    Some(response) => response,
                    None => {
                        self.send(334, "").await?;
                        self.read_auth_line().await?
                    }
                };
                decode_base64(&response).and_then(|decoded| {
                    let mut parts = decoded.split(|b| *b == 0).skip(1);
                    let user = String::from_utf8(parts.next()?.to_vec()).ok()?;
                    let password = String::from_utf8(parts.next()?.to_vec()).ok()?;
                    Some((user, password))
                })
            }
            "LOGIN" => {
                let user = match initial {
                    Some(user) => user,
                    None => {
                        // "Username:" in base64.
                        self.send(334, "VXNlcm5hbWU6").await?;
                        self.read_auth_line().await?
                    }
                };
                // "Password:" in base64.
                self.send(334, "UGFzc3dvcmQ6").await?;
                let password = self.read_auth_line().await?;
                decode_utf8(&user).zip(decode_utf8(&password))
            }
            _ => {
                return self
                    .send(504, "Unrecognised authentication mechanism")
                    .await;
            }
        };

        if given == Some((user.clone(), password)) {
            self.authenticated_as = Some(user);
            self.send(235, "2.7.0 Authentication successful").await
        } else {
            self.send(535, "5.7.8 Authentication credentials invalid")
                .await
        }
    }

    async fn read_auth_line(&mut self) -> io::Result<String> {
        let line = read_line(&mut self.reader)
            .await?
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        Ok(String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_owned())
    }

    async fn mail(&mut self, argument: &str) -> io::Result<Flow> {
        if self.shared.config.credentials.is_some() && self.authenticated_as.is_none() {
            return self.send(530, "5.7.0 Authentication required").await;
        }
        if self.transaction.mail_from.is_some() {
            return self.send(503, "5.5.1 Nested MAIL command").await;
        }
        let Some(path) = path_after(argument, "FROM:") else {
            return self.send(501, "5.5.4 Syntax: MAIL FROM:<address>").await;
        };

        match self.shared.fault_at(Stage::Mail) {
            Action::Reply(code, text) => return self.send(code, &text).await,
            Action::Delay(by) => tokio::time::sleep(by).await,
            Action::Normal => {}
        }
        self.transaction.mail_from = Some(path);
        self.shared.open_transaction();
        self.send(250, "2.1.0 OK").await
    }

    async fn rcpt(&mut self, argument: &str) -> io::Result<Flow> {
        if self.transaction.mail_from.is_none() {
            return self.send(503, "5.5.1 MAIL first").await;
        }
        let Some(path) = path_after(argument, "TO:") else {
            return self.send(501, "5.5.4 Syntax: RCPT TO:<address>").await;
        };

        match self.shared.fault_at(Stage::Rcpt) {
            Action::Reply(code, text) => return self.send(code, &text).await,
            Action::Delay(by) => tokio::time::sleep(by).await,
            Action::Normal => {}
        }
        self.transaction.rcpt_to.push(path);
        self.send(250, "2.1.5 OK").await
    }

    async fn data(&mut self) -> io::Result<Flow> {
        if self.transaction.rcpt_to.is_empty() {
            return self.send(503, "5.5.1 RCPT first").await;
        }

        match self.shared.fault_at(Stage::Data) {
            Action::Reply(code, text) => return self.send(code, &text).await,
            Action::Delay(by) => tokio::time::sleep(by).await,
            Action::Normal => {}
        }
        self.send(354, "End data with <CR><LF>.<CR><LF>").await?;

        let drop_connection = self.shared.drop_during_data();
        let mut data = Vec::new();
        loop {
            let Some(line) = read_line(&mut self.reader).await? else {
                return Ok(Flow::Close);
            };
            if drop_connection {
                return Ok(Flow::Close);
            }
            if line == b".\r\n" || line == b".\n" {
                break;
            }
            // Dot-unstuffing, RFC 5321 section 4.5.2.
            let content = line.strip_prefix(b".").unwrap_or(&line);
            if data.len() + content.len() > MAX_MESSAGE_BYTES {
                self.send(552, "5.3.4 Message too big").await?;
                return Ok(Flow::Close);
            }
            data.extend_from_slice(content);
        }

        match self.shared.fault_at(Stage::DataEnd) {
            Action::Reply(code, text) => {
                self.reset_transaction();
                return self.send(code, &text).await;
            }
            Action::Delay(by) => tokio::time::sleep(by).await,
            Action::Normal => {}
        }

        let transaction = std::mem::take(&mut self.transaction);
        self.shared.close_transaction();
        let message = ReceivedMessage {
            mail_from: transaction.mail_from.unwrap_or_default(),
            rcpt_to: transaction.rcpt_to,
            data,
            connection: self.number,
            authenticated_as: self.authenticated_as.clone(),
        };
        let reply = self.send(250, "2.0.0 OK: queued").await;
        // The message counts as delivered once the client could read the 250 reply.
        if reply.is_ok() {
            lock(&self.shared.messages).push(message);
            self.shared.received.notify_waiters();
        }
        reply
    }

    fn reset_transaction(&mut self) {
        if self.transaction.mail_from.is_some() {
            self.shared.close_transaction();
        }
        self.transaction = Transaction::default();
    }

    async fn reply_at(&mut self, stage: Stage, code: u16, text: &str) -> io::Result<Flow> {
        self.reply_lines_at(stage, code, &[text]).await
    }

    async fn reply_lines_at(
        &mut self,
        stage: Stage,
        code: u16,
        lines: &[&str],
    ) -> io::Result<Flow> {
        match self.shared.fault_at(stage) {
            Action::Reply(code, text) => self.send(code, &text).await,
            Action::Delay(by) => {
                tokio::time::sleep(by).await;
                self.send_lines(code, lines).await
            }
            Action::Normal => self.send_lines(code, lines).await,
        }
    }

    async fn send(&mut self, code: u16, text: &str) -> io::Result<Flow> {
        self.send_lines(code, &[text]).await
    }

    async fn send_lines(&mut self, code: u16, lines: &[&str]) -> io::Result<Flow> {
        let mut reply = String::new();
        let last = lines.len().saturating_sub(1);
        for (index, line) in lines.iter().enumerate() {
            let separator = if index == last { ' ' } else { '-' };
            reply.push_str(&format!("{code}{separator}{line}\r\n"));
        }
        self.writer.write_all(reply.as_bytes()).await?;
        self.writer.flush().await?;
        // A 421 reply announces that the server closes the connection.
        if code == 421 {
            return Ok(Flow::Close);
        }
        Ok(Flow::Continue)
    }
}

/// Reads one line including its line ending. Returns `None` at the end of the stream.
async fn read_line<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let read = (&mut *reader)
        .take(u64::try_from(MAX_LINE_BYTES).unwrap_or(u64::MAX))
        .read_until(b'\n', &mut line)
        .await?;
    if read == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("line longer than {MAX_LINE_BYTES} bytes"),
        ));
    }
    Ok(Some(line))
}

/// The address in `FROM:<address> PARAMS` or `TO:<address>`, without brackets.
fn path_after(argument: &str, keyword: &str) -> Option<String> {
    let prefix = argument.get(..keyword.len())?;
    if !prefix.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument.get(keyword.len()..)?.trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    inner.get(..end).map(str::to_owned)
}

fn decode_utf8(base64: &str) -> Option<String> {
    decode_base64(base64).and_then(|bytes| String::from_utf8(bytes).ok())
}

/// Decodes standard base64 with padding, as SMTP AUTH uses it (RFC 4954).
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }

    let trimmed = text.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in trimmed.bytes() {
        buffer = (buffer << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xFF).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_auth_plain() {
        // "\0user\0secret"
        assert_eq!(
            decode_base64("AHVzZXIAc2VjcmV0").unwrap(),
            b"\0user\0secret".to_vec()
        );
    }

    #[test]
    fn base64_rejects_other_characters() {
        assert_eq!(decode_base64("a*b"), None);
    }

    #[test]
    fn path_after_reads_address() {
        let cases = [
            ("FROM:<a@example.com>", "FROM:", Some("a@example.com")),
            (
                "from: <a@example.com> BODY=8BITMIME",
                "FROM:",
                Some("a@example.com"),
            ),
            ("FROM:<>", "FROM:", Some("")),
            ("TO:a@example.com", "TO:", None),
            ("TO:<a@example.com", "TO:", None),
            ("", "TO:", None),
        ];
        for (argument, keyword, expected) in cases {
            assert_eq!(
                path_after(argument, keyword).as_deref(),
                expected,
                "{argument:?}"
            );
        }
    }

    async fn command(
        reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
        writer: &mut tokio::net::tcp::OwnedWriteHalf,
        line: &str,
    ) -> String {
        writer.write_all(line.as_bytes()).await.unwrap();
        read_reply(reader).await
    }

    async fn read_reply(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await.unwrap();
            reply.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return reply;
            }
        }
    }

    #[tokio::test]
    async fn session_unstuffs_dots() {
        let server = SmtpServer::start().await.unwrap();
        let stream = TcpStream::connect(server.addr()).await.unwrap();
        let (reader, mut writer) = stream.into_split();
        let mut reader = BufReader::new(reader);

        assert!(read_reply(&mut reader).await.starts_with("220 "));
        assert!(
            command(&mut reader, &mut writer, "EHLO client\r\n")
                .await
                .starts_with("250-")
        );
        assert!(
            command(&mut reader, &mut writer, "MAIL FROM:<a@example.com>\r\n")
                .await
                .starts_with("250 ")
        );
        assert!(
            command(&mut reader, &mut writer, "RCPT TO:<b@example.com>\r\n")
                .await
                .starts_with("250 ")
        );
        assert!(
            command(&mut reader, &mut writer, "DATA\r\n")
                .await
                .starts_with("354 ")
        );
        let reply = command(
            &mut reader,
            &mut writer,
            "Subject: x\r\n\r\n..leading dot\r\n.\r\n",
        )
        .await;
        assert!(reply.starts_with("250 "), "{reply}");
        assert!(
            command(&mut reader, &mut writer, "QUIT\r\n")
                .await
                .starts_with("221 ")
        );

        let messages = server.messages();
        assert_eq!(messages.len(), 1);
        assert_eq!(
            messages[0].data,
            b"Subject: x\r\n\r\n.leading dot\r\n".to_vec()
        );
        assert_eq!(messages[0].mail_from, "a@example.com");
        assert_eq!(messages[0].rcpt_to, vec!["b@example.com".to_owned()]);
    }

    #[tokio::test]
    async fn session_orders_commands() {
        let server = SmtpServer::start().await.unwrap();
        let stream = TcpStream::connect(server.addr()).await.unwrap();
        let (reader, mut writer) = stream.into_split();
        let mut reader = BufReader::new(reader);
        read_reply(&mut reader).await;

        let cases = [
            ("RCPT TO:<b@example.com>\r\n", "503 "),
            ("DATA\r\n", "503 "),
            ("NOOP\r\n", "250 "),
            ("HELO client\r\n", "250 "),
            ("MAIL FROM:<a@example.com>\r\n", "250 "),
            ("MAIL FROM:<a@example.com>\r\n", "503 "),
            ("RSET\r\n", "250 "),
            ("DATA\r\n", "503 "),
            ("FOO\r\n", "500 "),
            ("AUTH PLAIN AHVzZXIAc2VjcmV0\r\n", "502 "),
        ];
        for (line, expected) in cases {
            let reply = command(&mut reader, &mut writer, line).await;
            assert!(reply.starts_with(expected), "{line:?} gave {reply:?}");
        }
    }

    #[tokio::test]
    async fn stopped_server_refuses() {
        let server = SmtpServer::stopped().await.unwrap();
        let refused = TcpStream::connect(server.addr()).await;
        assert!(refused.is_err());

        server.listen().await.unwrap();
        assert!(TcpStream::connect(server.addr()).await.is_ok());
    }

    #[tokio::test]
    async fn reply_fault_counts_down() {
        let server = SmtpServer::start().await.unwrap();
        server.inject(Fault::reply(Stage::Mail, 451, "4.3.0 Later", 1));
        let stream = TcpStream::connect(server.addr()).await.unwrap();
        let (reader, mut writer) = stream.into_split();
        let mut reader = BufReader::new(reader);
        read_reply(&mut reader).await;
        command(&mut reader, &mut writer, "EHLO client\r\n").await;

        let first = command(&mut reader, &mut writer, "MAIL FROM:<a@example.com>\r\n").await;
        assert_eq!(first, "451 4.3.0 Later\r\n");
        let second = command(&mut reader, &mut writer, "MAIL FROM:<a@example.com>\r\n").await;
        assert!(second.starts_with("250 "), "{second}");
    }

    #[tokio::test]
    async fn auth_login_accepts_credentials() {
        let server = SmtpServer::start_with(SmtpServerConfig {
            credentials: Some(("user".to_owned(), "secret".to_owned())),
        })
        .await
        .unwrap();
        let stream = TcpStream::connect(server.addr()).await.unwrap();
        let (reader, mut writer) = stream.into_split();
        let mut reader = BufReader::new(reader);
        read_reply(&mut reader).await;
        let ehlo = command(&mut reader, &mut writer, "EHLO client\r\n").await;
        assert!(ehlo.contains("AUTH PLAIN LOGIN"), "{ehlo}");

        let refused = command(&mut reader, &mut writer, "MAIL FROM:<a@example.com>\r\n").await;
        assert!(refused.starts_with("530 "), "{refused}");

        assert!(
            command(&mut reader, &mut writer, "AUTH LOGIN\r\n")
                .await
                .starts_with("334 ")
        );
        // "user" and "secret" in base64.
        assert!(
            command(&mut reader, &mut writer, "dXNlcg==\r\n")
                .await
                .starts_with("334 ")
        );
        let done = command(&mut reader, &mut writer, "c2VjcmV0\r\n").await;
        assert!(done.starts_with("235 "), "{done}");
    }
}
