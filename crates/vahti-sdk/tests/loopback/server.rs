//! A scripted HTTP server on loopback: it responds to each request with the next prepared reply
//! and records the requests it received.

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use vahti_sdk::{Client, RetryPolicy};

/// One prepared reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn error(status: u16, code: &str) -> Reply {
        Reply::json(
            status,
            format!(r#"{{"error":{{"code":"{code}","message":"scripted {code}","field":null}}}}"#),
        )
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query exactly as sent, still percent-encoded.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct State {
    replies: VecDeque<Reply>,
    received: Vec<Received>,
}

/// A running scripted server. Requests beyond the script get a 404 `not_found` error body.
pub struct ScriptedServer {
    state: Arc<Mutex<State>>,
    handle: ServerHandle,
    pub port: u16,
}

impl ScriptedServer {
    /// Starts a server on a free loopback port.
    pub fn start(replies: Vec<Reply>) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        ScriptedServer::start_on(listener, replies)
    }

    /// Starts a server on `port`, which must be free.
    pub fn start_on_port(port: u16, replies: Vec<Reply>) -> ScriptedServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        ScriptedServer::start_on(listener, replies)
    }

    fn start_on(listener: TcpListener, replies: Vec<Reply>) -> ScriptedServer {
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            replies: replies.into(),
            received: Vec::new(),
        }));

        let shared = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(respond))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);

        ScriptedServer {
            state,
            handle,
            port,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Returns a client of this server with the given token and fast retries.
    pub fn client(&self, token: Option<&str>) -> Client {
        client_for(&self.url(), token)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// Returns a client with short backoff, so that retry tests run in milliseconds.
pub fn client_for(url: &str, token: Option<&str>) -> Client {
    let retry = RetryPolicy::default()
        .with_max_attempts(10)
        .unwrap()
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_backoff(Duration::from_millis(200))
        .with_max_elapsed(Duration::from_secs(10));
    let mut builder = Client::builder()
        .base_url(url)
        .retry_policy(retry)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5));
    if let Some(token) = token {
        builder = builder.token(token);
    }
    builder.build().unwrap()
}

async fn respond(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let received = Received {
        method: request.method().to_string(),
        target: request
            .uri()
            .path_and_query()
            .map(|target| target.as_str().to_owned())
            .unwrap_or_default(),
        headers: request
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    value.to_str().unwrap_or("<binary>").to_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };

    let reply = {
        let mut state = state.lock().unwrap();
        state.received.push(received);
        state
            .replies
            .pop_front()
            .unwrap_or_else(|| Reply::error(404, "not_found"))
    };

    if !reply.delay.is_zero() {
        actix_web::rt::time::sleep(reply.delay).await;
    }

    let mut response = HttpResponse::build(StatusCode::from_u16(reply.status).unwrap());
    response.content_type("application/json");
    for (name, value) in &reply.headers {
        response.insert_header((name.as_str(), value.as_str()));
    }
    response.body(reply.body)
}
