//! Admission of requests that change data, so that an overload fails fast.
//!
//! Every change ends in a database write transaction, and on SQLite those take turns. When
//! changes arrive faster than the database commits them, each waits longer than the one before,
//! until clients time out while their requests still hold connections, threads and file
//! descriptors. The daemon instead serves at most `server.max_pending_writes` changes at once
//! and rejects any further one at once with 503 `server_busy` and `Retry-After: 1`, which the
//! SDK retries. Reads are always admitted.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;

use super::error::ApiError;

/// The changes being served, shared by the HTTP workers.
#[derive(Debug)]
pub struct WriteAdmission {
    limit: usize,
    pending: Arc<AtomicUsize>,
}

impl WriteAdmission {
    /// Admits up to `limit` changes at once; 0 admits every change.
    pub fn new(limit: usize) -> Self {
        WriteAdmission {
            limit,
            pending: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Takes a place for one change, or returns `None` when all `limit` places are taken.
    fn admit(&self) -> Option<Admitted> {
        let pending = self.pending.fetch_add(1, Ordering::AcqRel) + 1;
        let admitted = Admitted {
            pending: Arc::clone(&self.pending),
        };
        if self.limit != 0 && pending > self.limit {
            // Dropping the place gives it back at once.
            drop(admitted);
            return None;
        }
        Some(admitted)
    }
}

/// A place taken by one change; given back when dropped, also when the client goes away.
struct Admitted {
    pending: Arc<AtomicUsize>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Rejects a change with 503 `server_busy` when `server.max_pending_writes` changes are being
/// served already.
pub async fn middleware(
    request: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.call(request).await;
    }
    let Some(admission) = request.app_data::<web::Data<WriteAdmission>>().cloned() else {
        return next.call(request).await;
    };
    let Some(_admitted) = admission.admit() else {
        tracing::warn!(
            limit = admission.limit,
            method = %request.method(),
            "rejected a change: the daemon is serving as many changes as server.max_pending_writes admits"
        );
        return Ok(request.error_response(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_busy",
            None,
            format!(
                "the daemon is serving {} changes already, as many as server.max_pending_writes \
                 admits; retry after the Retry-After delay, send fewer requests at once, or use \
                 the batch endpoints",
                admission.limit
            ),
        )));
    };
    next.call(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_given_back() {
        let admission = WriteAdmission::new(2);
        let first = admission.admit().unwrap();
        let second = admission.admit().unwrap();
        assert!(admission.admit().is_none());
        drop(first);
        let third = admission.admit().unwrap();
        assert!(admission.admit().is_none());
        drop((second, third));
        assert_eq!(admission.pending.load(Ordering::Acquire), 0);
    }

    #[test]
    fn zero_admits_everything() {
        let admission = WriteAdmission::new(0);
        let places: Vec<_> = (0..1000).filter_map(|_| admission.admit()).collect();
        assert_eq!(places.len(), 1000);
    }
}
