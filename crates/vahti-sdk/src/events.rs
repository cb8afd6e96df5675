//! The event log: single long-poll requests, and a resumable stream that follows the log.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use futures::future::BoxFuture;
use reqwest::Method;
use vahti_api::limits::{MAX_EVENTS_WAIT_SECONDS, events_wait_seconds, page_limit};
use vahti_api::{Event, EventsQuery, EventsResponse, paths};

use crate::client::{Client, Request};
use crate::error::SdkError;
use crate::retry::RetryPolicy;

/// Default `wait` of the requests of an [`EventStream`]: 30 seconds.
pub const DEFAULT_STREAM_WAIT: Duration = Duration::from_secs(30);

/// The event log, `GET /v1/events`: returned by [`Client::events`].
#[derive(Debug, Clone)]
pub struct Events<'a> {
    client: &'a Client,
}

impl<'a> Events<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Events { client }
    }

    /// Reads the events after `query.after`, waiting up to `query.wait` seconds for the first
    /// one (`GET /v1/events`).
    ///
    /// Fails with [`SdkError::InvalidArgument`] when `limit` is outside 1 to 1000 or `wait` is
    /// above 60, without sending the request.
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use vahti_sdk::api::EventsQuery;
    ///
    /// let query = EventsQuery { after: Some(41), limit: Some(100), wait: Some(0) };
    /// let response = client.events().list(&query).await?;
    /// for event in &response.events {
    ///     println!("{} {}", event.seq, event.event_type);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, query: &EventsQuery) -> Result<EventsResponse, SdkError> {
        if query.limit.is_some() {
            page_limit(query.limit)?;
        }
        let wait = events_wait_seconds(query.wait)?;
        let request = Request::new(Method::GET, paths::EVENTS.to_owned())
            .query(query)?
            .extra_timeout(Duration::from_secs(u64::from(wait)));
        self.client.call(request).await
    }

    /// Follows the log from its first event. See [`Events::stream_from`].
    pub fn stream(&self) -> EventStream {
        self.stream_from(None)
    }

    /// Follows the log from the event after sequence number `after`, or from the first event
    /// when `after` is `None`.
    ///
    /// Pass the [`EventStream::last_seq`] that you saved to resume after a restart without
    /// missing an event. See [`EventStream`] for how the stream retries and ends.
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client, saved: Option<i64>) -> Result<(), vahti_sdk::SdkError> {
    /// use futures::StreamExt;
    ///
    /// let mut events = client.events().stream_from(saved);
    /// while let Some(event) = events.next().await {
    ///     let event = event?;
    ///     println!("{} {}", event.seq, event.event_type);
    ///     // Persist events.last_seq() here once the event is handled.
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream_from(&self, after: Option<i64>) -> EventStream {
        EventStream::new(self.client.clone(), after)
    }
}

/// The position of a reader in the event log.
///
/// It tracks two sequence numbers: the `after` of the next request, and the last event handed
/// to the caller, which is the one to persist. Events at or below the position are dropped, so
/// a server that repeats an event never makes the caller see it twice.
///
/// ```
/// use vahti_sdk::EventCursor;
///
/// let mut cursor = EventCursor::new(Some(40));
/// assert_eq!(cursor.request_after(), Some(40));
/// assert_eq!(cursor.last_seq(), Some(40));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventCursor {
    request_after: Option<i64>,
    last_seq: Option<i64>,
}

impl EventCursor {
    /// Starts after sequence number `after`, or at the first event when `None`.
    pub fn new(after: Option<i64>) -> Self {
        EventCursor {
            request_after: after,
            last_seq: after,
        }
    }

    /// Returns the `after` of the next request.
    pub fn request_after(&self) -> Option<i64> {
        self.request_after
    }

    /// Returns the sequence number of the last event handed to the caller, or the starting
    /// `after` before the first. Resuming from it repeats and skips nothing.
    pub fn last_seq(&self) -> Option<i64> {
        self.last_seq
    }

    /// Takes a response and returns its new events in sequence order.
    ///
    /// Drops events at or below the request's `after` and events out of order, then moves the
    /// next request's `after` to the last event kept or the response's `next_after`, whichever
    /// is higher.
    pub fn accept(&mut self, response: EventsResponse) -> Vec<Event> {
        let mut floor = self.request_after;
        let mut fresh = Vec::with_capacity(response.events.len());
        for event in response.events {
            if floor.is_none_or(|floor| event.seq > floor) {
                floor = Some(event.seq);
                fresh.push(event);
            }
        }
        self.request_after = floor.max(Some(response.next_after));
        fresh
    }

    /// Records that the event with sequence number `seq` was handed to the caller.
    pub fn mark_handled(&mut self, seq: i64) {
        self.last_seq = self.last_seq.max(Some(seq));
    }
}

/// A stream of events that follows the log with long-poll requests.
///
/// Each request waits up to [`DEFAULT_STREAM_WAIT`] for new events (see
/// [`EventStream::with_wait`]). Connection failures, timeouts, 429 and 503 are retried forever,
/// with exponential backoff from 1 to 30 seconds and a warning in the `tracing` log; after a
/// restart of the daemon the stream simply continues. Any other error is returned once, and the
/// stream ends after it.
///
/// Save [`EventStream::last_seq`] after handling each event, and resume with
/// [`Events::stream_from`]: the stream then delivers every event after it exactly once. A
/// crash between handling an event and saving the number repeats that one event, so handle
/// events idempotently, keyed by their `seq`.
pub struct EventStream {
    client: Client,
    cursor: EventCursor,
    buffer: VecDeque<Event>,
    fetch: Option<BoxFuture<'static, Result<EventsResponse, SdkError>>>,
    wait_seconds: u32,
    limit: Option<u32>,
    reconnect: RetryPolicy,
    finished: bool,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("cursor", &self.cursor)
            .field("buffered", &self.buffer.len())
            .field("wait_seconds", &self.wait_seconds)
            .field("limit", &self.limit)
            .field("finished", &self.finished)
            .finish()
    }
}

impl EventStream {
    fn new(client: Client, after: Option<i64>) -> Self {
        EventStream {
            client,
            cursor: EventCursor::new(after),
            buffer: VecDeque::new(),
            fetch: None,
            wait_seconds: u32::try_from(DEFAULT_STREAM_WAIT.as_secs()).unwrap_or(30),
            limit: None,
            reconnect: RetryPolicy::default()
                .with_initial_backoff(Duration::from_secs(1))
                .with_max_backoff(Duration::from_secs(30)),
            finished: false,
        }
    }

    /// Sets how long each request waits for new events, in whole seconds from 1 to 60; shorter
    /// or longer values are raised or lowered to fit.
    pub fn with_wait(mut self, wait: Duration) -> Self {
        let seconds = u32::try_from(wait.as_secs()).unwrap_or(MAX_EVENTS_WAIT_SECONDS);
        self.wait_seconds = seconds.clamp(1, MAX_EVENTS_WAIT_SECONDS);
        self
    }

    /// Sets the maximum number of events per request, from 1 to 1000; the server's default of
    /// 100 unless set. Values outside the range are raised or lowered to fit.
    pub fn with_batch_size(mut self, limit: u32) -> Self {
        self.limit = Some(limit.clamp(1, vahti_api::limits::MAX_PAGE_LIMIT));
        self
    }

    /// Sets the backoff between reconnection attempts after transient errors: from `initial`,
    /// doubling up to `max`.
    pub fn with_reconnect_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.reconnect = self
            .reconnect
            .with_initial_backoff(initial)
            .with_max_backoff(max);
        self
    }

    /// Returns the sequence number of the last event this stream returned, or the starting
    /// `after` before the first. Persist it to resume later with [`Events::stream_from`].
    pub fn last_seq(&self) -> Option<i64> {
        self.cursor.last_seq()
    }

    /// Returns the full position of the stream.
    pub fn cursor(&self) -> EventCursor {
        self.cursor
    }

    /// Starts the request for the events after the cursor, retrying transient errors forever.
    fn start_fetch(&self) -> BoxFuture<'static, Result<EventsResponse, SdkError>> {
        let client = self.client.clone();
        let reconnect = self.reconnect.clone();
        let query = EventsQuery {
            after: self.cursor.request_after(),
            limit: self.limit,
            wait: Some(self.wait_seconds),
        };

        Box::pin(async move {
            let mut failures: u32 = 0;
            loop {
                match client.events().list(&query).await {
                    Ok(response) => return Ok(response),
                    Err(error) if error.is_retryable() => {
                        failures = failures.saturating_add(1);
                        let delay = error
                            .retry_after()
                            .unwrap_or_else(|| reconnect.backoff(failures, rand::random::<f64>()));
                        tracing::warn!(
                            after = query.after,
                            failures,
                            delay_ms = delay.as_millis(),
                            error = %error,
                            "reading events failed; reconnecting"
                        );
                        tokio::time::sleep(delay).await;
                    }
                    Err(error) => return Err(error),
                }
            }
        })
    }
}

impl Stream for EventStream {
    type Item = Result<Event, SdkError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(event) = this.buffer.pop_front() {
                this.cursor.mark_handled(event.seq);
                return Poll::Ready(Some(Ok(event)));
            }
            if this.finished {
                return Poll::Ready(None);
            }

            let fetch = match this.fetch.as_mut() {
                Some(fetch) => fetch,
                None => this.fetch.insert(this.start_fetch()),
            };
            match fetch.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(response)) => {
                    this.fetch = None;
                    let fresh = this.cursor.accept(response);
                    this.buffer.extend(fresh);
                }
                Poll::Ready(Err(error)) => {
                    this.fetch = None;
                    this.finished = true;
                    return Poll::Ready(Some(Err(error)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use vahti_api::EventType;

    use super::*;

    fn event(seq: i64) -> Event {
        Event {
            seq,
            event_type: EventType::PaymentRecorded,
            at: Utc.with_ymd_and_hms(2026, 3, 2, 7, 0, 0).unwrap(),
            account: Some("C-1".to_owned()),
            invoice: None,
            data: serde_json::Value::Null,
        }
    }

    fn response(seqs: &[i64], next_after: i64) -> EventsResponse {
        EventsResponse {
            events: seqs.iter().copied().map(event).collect(),
            next_after,
        }
    }

    fn seqs(events: &[Event]) -> Vec<i64> {
        events.iter().map(|event| event.seq).collect()
    }

    #[test]
    fn cursor_starts_at_after() {
        let cursor = EventCursor::new(None);
        assert_eq!(cursor.request_after(), None);
        assert_eq!(cursor.last_seq(), None);
    }

    #[test]
    fn cursor_advances_request_after() {
        let mut cursor = EventCursor::new(Some(10));
        let fresh = cursor.accept(response(&[11, 12, 13], 13));
        assert_eq!(seqs(&fresh), [11, 12, 13]);
        assert_eq!(cursor.request_after(), Some(13));
    }

    #[test]
    fn cursor_last_seq_follows_handled() {
        let mut cursor = EventCursor::new(Some(10));
        cursor.accept(response(&[11, 12], 12));
        assert_eq!(cursor.last_seq(), Some(10));
        cursor.mark_handled(11);
        assert_eq!(cursor.last_seq(), Some(11));
        cursor.mark_handled(12);
        assert_eq!(cursor.last_seq(), Some(12));
    }

    #[test]
    fn cursor_drops_repeated_events() {
        let mut cursor = EventCursor::new(Some(10));
        let fresh = cursor.accept(response(&[9, 10, 11, 11, 10, 12], 12));
        assert_eq!(seqs(&fresh), [11, 12]);
    }

    #[test]
    fn cursor_empty_response_keeps_position() {
        let mut cursor = EventCursor::new(Some(10));
        let fresh = cursor.accept(response(&[], 10));
        assert!(fresh.is_empty());
        assert_eq!(cursor.request_after(), Some(10));
        assert_eq!(cursor.last_seq(), Some(10));
    }

    #[test]
    fn cursor_from_start_takes_next_after() {
        let mut cursor = EventCursor::new(None);
        let fresh = cursor.accept(response(&[], 0));
        assert!(fresh.is_empty());
        assert_eq!(cursor.request_after(), Some(0));
        assert_eq!(cursor.last_seq(), None);
    }

    #[test]
    fn cursor_ignores_lower_next_after() {
        let mut cursor = EventCursor::new(Some(10));
        cursor.accept(response(&[11, 12], 5));
        assert_eq!(cursor.request_after(), Some(12));
    }

    #[test]
    fn cursor_trusts_higher_next_after() {
        let mut cursor = EventCursor::new(Some(10));
        cursor.accept(response(&[11], 20));
        assert_eq!(cursor.request_after(), Some(20));
    }

    #[test]
    fn cursor_handled_never_moves_back() {
        let mut cursor = EventCursor::new(Some(10));
        cursor.mark_handled(8);
        assert_eq!(cursor.last_seq(), Some(10));
    }
}
