//! The actix actor that runs one account's jobs one after another.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, AtomicResponse, Context, Handler, Message,
    WrapFuture,
};

use super::AccountKey;
use super::directory::Registry;

/// A unit of work: runs on the blocking pool and sends its own result to its caller.
pub(super) type Job = Box<dyn FnOnce() + Send + 'static>;

/// A job slot shared between the caller and the actor, so that the caller can re-send the job
/// when the actor stopped before taking it.
pub(super) type JobSlot = Arc<Mutex<Option<Job>>>;

/// The message that carries a job. It resolves once the job finished (or panicked).
pub(super) struct RunJob(pub(super) JobSlot);

impl Message for RunJob {
    /// `Err` carries the panic message when the job panicked.
    type Result = Result<(), String>;
}

/// Stops the actor after the jobs already in its mailbox.
pub(super) struct Stop;

impl Message for Stop {
    type Result = ();
}

pub(super) struct AccountActor {
    key: AccountKey,
    generation: u64,
    registry: Arc<Registry>,
    idle_timeout: Duration,
    last_activity: Instant,
}

impl AccountActor {
    pub(super) fn new(
        key: AccountKey,
        generation: u64,
        registry: Arc<Registry>,
        idle_timeout: Duration,
    ) -> Self {
        AccountActor {
            key,
            generation,
            registry,
            idle_timeout,
            last_activity: Instant::now(),
        }
    }
}

impl Actor for AccountActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.registry.actor_started();
        let check_every = (self.idle_timeout / 2).max(Duration::from_millis(50));
        ctx.run_interval(check_every, |actor, ctx| {
            if actor.last_activity.elapsed() >= actor.idle_timeout {
                tracing::debug!(
                    tenant.id = %actor.key.tenant,
                    account.id = %actor.key.account,
                    "passivating idle account actor"
                );
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.registry.remove(self.key, self.generation);
        self.registry.actor_stopped();
    }
}

impl Handler<RunJob> for AccountActor {
    type Result = AtomicResponse<Self, Result<(), String>>;

    fn handle(&mut self, message: RunJob, _ctx: &mut Self::Context) -> Self::Result {
        self.last_activity = Instant::now();
        let job = message.0.lock().ok().and_then(|mut slot| slot.take());

        let work = async move {
            match job {
                Some(job) => tokio::task::spawn_blocking(job)
                    .await
                    .map_err(panic_message),
                None => Ok(()),
            }
        };

        AtomicResponse::new(Box::pin(work.into_actor(self).map(
            |outcome, actor, ctx| {
                actor.last_activity = Instant::now();
                if let Err(detail) = &outcome {
                    tracing::error!(
                        tenant.id = %actor.key.tenant,
                        account.id = %actor.key.account,
                        error = %detail,
                        "account job panicked; restarting the account actor"
                    );
                    ctx.stop();
                }
                outcome
            },
        )))
    }
}

impl Handler<Stop> for AccountActor {
    type Result = ();

    fn handle(&mut self, _message: Stop, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

fn panic_message(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic without a message".to_owned()),
        Err(error) => error.to_string(),
    }
}
