//! The handlers of the page: the overview, the forms and what they post, a request's outcome,
//! and the neutral and error pages.
//!
//! Handlers always answer with a page, never with an error value, so that the guard can set the
//! security headers on every response. A form sent back with errors shows the debtor what to
//! fix in their language and records the error's code on the `self_service_viewed` event.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Days, NaiveDate};
use vahti_domain::ids::InvoiceId;
use vahti_store::ids::SelfServiceRequestId;
use vahti_store::self_service::{SelfServiceLink, hash_link_token};

use super::Nonce;
use super::forms::{self, Fields, parse_date};
use super::texts::{Lang, Texts};
use super::views::{
    self, ActionLink, Choice, Contact, Field, FormError, FormPage, Layout, MessagePage,
    OverviewPage, RequestLink,
};
use crate::app::App;
use crate::error::{ErrorClass, ServiceError};
use crate::http::routes::holds::after_change;
use crate::service::holds::MAX_TEXT_CHARS;
use crate::service::selfservice::{
    self as service, Access, ClosedLink, Hold, MAX_FIRST_INSTALMENT_DAYS, Overview,
};

/// The forms of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Dispute an invoice.
    Dispute,
    /// Promise to pay.
    Promise,
    /// Ask for a payment plan.
    Plan,
    /// Ask for more time.
    Extension,
    /// Correct the email address.
    Email,
}

impl Form {
    /// Every form.
    pub const ALL: [Form; 5] = [
        Form::Dispute,
        Form::Promise,
        Form::Plan,
        Form::Extension,
        Form::Email,
    ];

    /// The form's path segment, which is also its purpose in the form token and its page name
    /// in events.
    pub fn path(self) -> &'static str {
        match self {
            Form::Dispute => "dispute",
            Form::Promise => "promise",
            Form::Plan => "plan",
            Form::Extension => "extension",
            Form::Email => "email",
        }
    }
}

/// What one request to the page works with.
struct Visit {
    app: web::Data<App>,
    token: String,
    nonce: String,
    /// The language asked for with `lang`, if any.
    asked: Option<Lang>,
    /// The page's address: the path of `server.public_url`, then `s/` and the token.
    base: String,
}

impl Visit {
    fn of(app: web::Data<App>, request: &HttpRequest, lang: Option<&str>) -> Visit {
        let token = request
            .match_info()
            .get("token")
            .unwrap_or_default()
            .to_owned();
        let nonce = request
            .extensions()
            .get::<Nonce>()
            .map(|nonce| nonce.0.clone())
            .unwrap_or_default();
        let asked = lang
            .map(str::to_owned)
            .or_else(|| query_lang(request))
            .and_then(|code| Lang::from_code(&code));
        let prefix = app.config().server.public_url.path().trim_end_matches('/');
        let base = format!("{prefix}/s/{token}");
        Visit {
            app,
            token,
            nonce,
            asked,
            base,
        }
    }

    fn href(&self, page: &str, lang: Lang) -> String {
        if page.is_empty() {
            format!("{}?lang={}", self.base, lang.code())
        } else {
            format!("{}/{page}?lang={}", self.base, lang.code())
        }
    }

    fn path(&self, page: &str) -> String {
        if page.is_empty() {
            self.base.clone()
        } else {
            format!("{}/{page}", self.base)
        }
    }
}

fn query_lang(request: &HttpRequest) -> Option<String> {
    let fields = Fields::parse(request.query_string().as_bytes());
    let code = fields.get("lang");
    (!code.is_empty()).then(|| code.to_owned())
}

fn query_value(request: &HttpRequest, name: &str) -> String {
    Fields::parse(request.query_string().as_bytes())
        .get(name)
        .to_owned()
}

/// What a token opened, read with its overview in one transaction.
enum Opened {
    Unknown,
    Closed(Box<ClosedLink>),
    Live(Box<(SelfServiceLink, Overview)>),
}

/// Resolves the visit's token, loads the overview of a live link and records the view.
async fn open(
    visit: &Visit,
    page: &'static str,
    refused: Option<String>,
) -> Result<Opened, ServiceError> {
    let token = visit.token.clone();
    let now = visit.app.now();
    visit
        .app
        .write(move |tx| match service::resolve(tx, &token, now)? {
            Access::Unknown => Ok(Opened::Unknown),
            Access::Closed(closed) => {
                service::record_view(tx, &closed.link, "closed", None, now)?;
                Ok(Opened::Closed(closed))
            }
            Access::Live(link) => {
                let overview = service::overview(tx, &link, now)?;
                service::record_view(tx, &link, page, refused.as_deref(), now)?;
                Ok(Opened::Live(Box::new((link, overview))))
            }
        })
        .await
}

// Handlers.

/// `GET /s/{token}`: the overview.
pub async fn overview(app: web::Data<App>, request: HttpRequest) -> HttpResponse {
    let visit = Visit::of(app, &request, None);
    match open(&visit, "overview", None).await {
        Ok(Opened::Live(live)) => {
            let (_, overview) = *live;
            let lang = visit.asked.unwrap_or(Lang::of_locale(overview.locale));
            render(StatusCode::OK, &overview_page(&visit, &overview, lang))
        }
        Ok(Opened::Closed(closed)) => closed_page(&visit, Some(&closed)),
        Ok(Opened::Unknown) => closed_page(&visit, None),
        Err(error) => failure(&visit, &error),
    }
}

/// `GET /s/{token}/requests/{id}`: what became of a request.
pub async fn request(app: web::Data<App>, request: HttpRequest) -> HttpResponse {
    let visit = Visit::of(app, &request, None);
    let Some(id) = request
        .match_info()
        .get("id")
        .and_then(|id| id.parse::<i64>().ok())
        .map(SelfServiceRequestId)
    else {
        return not_found_page(&visit, Lang::Fi);
    };
    let token = visit.token.clone();
    let now = visit.app.now();
    let opened = visit
        .app
        .write(move |tx| match service::resolve(tx, &token, now)? {
            Access::Unknown => Ok(None),
            Access::Closed(closed) => {
                service::record_view(tx, &closed.link, "closed", None, now)?;
                Ok(Some(Err(closed)))
            }
            Access::Live(link) => {
                let found = service::request_of(tx, &link, id);
                let overview = service::overview(tx, &link, now)?;
                let page = if found.is_ok() {
                    "request"
                } else {
                    "request_not_found"
                };
                service::record_view(tx, &link, page, None, now)?;
                Ok(Some(Ok((found.ok(), overview))))
            }
        })
        .await;
    match opened {
        Ok(None) => closed_page(&visit, None),
        Ok(Some(Err(closed))) => closed_page(&visit, Some(&closed)),
        Ok(Some(Ok((found, overview)))) => {
            let lang = visit.asked.unwrap_or(Lang::of_locale(overview.locale));
            match found {
                Some(found) => {
                    let creditor = overview.creditor.name.clone();
                    let (heading, lines) = views::outcome(&found, &creditor, lang);
                    let layout = layout(
                        &visit,
                        lang,
                        heading.clone(),
                        &creditor,
                        &format!("requests/{}", id.0),
                    );
                    render(
                        StatusCode::OK,
                        &MessagePage {
                            l: layout,
                            back: Some(visit.href("", lang)),
                            heading,
                            lines,
                            note: found.note.clone(),
                            contact: None,
                        },
                    )
                }
                None => not_found_page(&visit, lang),
            }
        }
        Err(error) => failure(&visit, &error),
    }
}

/// `GET /s/{token}/{form}`: an empty form.
pub async fn show_form(app: web::Data<App>, request: HttpRequest, form: Form) -> HttpResponse {
    let visit = Visit::of(app, &request, None);
    let mut values = Fields::default();
    let invoice = query_value(&request, "invoice");
    if !invoice.is_empty() {
        values = Fields::parse(format!("invoice={invoice}").as_bytes());
    }
    form_response(&visit, form, &values, Vec::new(), StatusCode::OK, None).await
}

/// `POST /s/{token}/{form}`: checks the form token and the fields, carries out the request, and
/// redirects to its outcome, or shows the form again with what to fix.
pub async fn submit(
    app: web::Data<App>,
    request: HttpRequest,
    payload: web::Payload,
    form: Form,
) -> HttpResponse {
    let body = read_form(payload).await;
    let fields = Fields::parse(body.as_deref().unwrap_or_default());
    let visit = Visit::of(app, &request, Some(fields.get("lang")));
    if body.is_none() {
        let lang = visit.asked.unwrap_or(Lang::Fi);
        return message(
            &visit,
            lang,
            StatusCode::PAYLOAD_TOO_LARGE,
            lang.texts().error_generic,
        );
    }

    let token = visit.token.clone();
    let now = visit.app.now();
    let access = visit
        .app
        .read(move |tx| service::resolve(tx, &token, now))
        .await;
    let link = match access {
        Ok(Access::Live(link)) => link,
        Ok(Access::Closed(_)) | Ok(Access::Unknown) => {
            // The closed page records the view itself.
            return match open(&visit, form.path(), None).await {
                Ok(Opened::Closed(closed)) => closed_page(&visit, Some(&closed)),
                Ok(_) => closed_page(&visit, None),
                Err(error) => failure(&visit, &error),
            };
        }
        Err(error) => return failure(&visit, &error),
    };

    let key = match visit.app.self_service().form_key(&visit.app).await {
        Ok(key) => key,
        Err(error) => return failure(&visit, &error),
    };
    let link_hash = hash_link_token(&visit.token);
    if !forms::verify_form_token(&key, &link_hash, form.path(), fields.get("csrf"), now) {
        tracing::info!(
            tenant.id = link.tenant_id.0,
            account.id = link.account_id.0,
            link.id = link.id.0,
            form = form.path(),
            "self-service form token invalid or expired"
        );
        let errors = vec![(None, Problem::FormExpired)];
        return form_response(
            &visit,
            form,
            &fields,
            errors,
            StatusCode::FORBIDDEN,
            Some("form_token_invalid".to_owned()),
        )
        .await;
    }

    let action = match parse(form, &fields) {
        Ok(action) => action,
        Err(errors) => {
            return form_response(
                &visit,
                form,
                &fields,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("form_invalid".to_owned()),
            )
            .await;
        }
    };

    let token = visit.token.clone();
    let done = visit
        .app
        .on_account(link.tenant_id, link.account_id, move |tx| {
            action.run(tx, &token, now)
        })
        .await;
    match done {
        Ok(changed) => {
            after_change(&visit.app, &changed);
            let lang = visit.asked.unwrap_or(Lang::Fi);
            let location = visit.href(&format!("requests/{}", changed.value.id.0), lang);
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish()
        }
        Err(error) if error.code() == "self_service_link_closed" => closed_page(&visit, None),
        Err(error)
            if matches!(
                error.class(),
                ErrorClass::Internal | ErrorClass::Unavailable
            ) =>
        {
            failure(&visit, &error)
        }
        Err(error) => {
            let code = error.code().to_owned();
            let errors = vec![problem_of(&error)];
            form_response(
                &visit,
                form,
                &fields,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(code),
            )
            .await
        }
    }
}

/// Reads a form body of at most [`forms::MAX_FORM_BYTES`], or returns `None` for a larger or
/// broken one.
async fn read_form(mut payload: web::Payload) -> Option<Vec<u8>> {
    use futures::StreamExt;

    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.ok()?;
        if body.len().saturating_add(chunk.len()) > forms::MAX_FORM_BYTES {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(body)
}

/// Any other path under `/s/`: the neutral page.
pub async fn not_found(app: web::Data<App>, request: HttpRequest) -> HttpResponse {
    let visit = Visit::of(app, &request, None);
    not_found_page(&visit, visit.asked.unwrap_or(Lang::Fi))
}

/// A method the path does not serve.
pub async fn method_not_allowed(app: web::Data<App>, request: HttpRequest) -> HttpResponse {
    let visit = Visit::of(app, &request, None);
    let lang = visit.asked.unwrap_or(Lang::Fi);
    let mut response = message(
        &visit,
        lang,
        StatusCode::METHOD_NOT_ALLOWED,
        lang.texts().error_generic,
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

/// The plain page of a client over its rate limit.
pub fn too_many(request: &HttpRequest, nonce: &str, wait: Duration) -> HttpResponse {
    let lang = query_lang(request)
        .and_then(|code| Lang::from_code(&code))
        .unwrap_or(Lang::Fi);
    let t = lang.texts();
    let page = MessagePage {
        l: Layout::new(lang, nonce, t.too_many_title.to_owned(), "", request.path()),
        back: None,
        heading: t.too_many_title.to_owned(),
        lines: vec![t.too_many_text.to_owned()],
        note: None,
        contact: None,
    };
    let mut response = render(StatusCode::TOO_MANY_REQUESTS, &page);
    let seconds = wait.as_secs().saturating_add(1).to_string();
    if let Ok(value) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

// Pages.

fn render<T: Template>(status: StatusCode, page: &T) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(error) => {
            tracing::error!(error = %error, "self-service page failed to render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("500 Internal Server Error")
        }
    }
}

fn layout(visit: &Visit, lang: Lang, title: String, creditor: &str, page: &str) -> Layout {
    Layout::new(lang, &visit.nonce, title, creditor, &visit.path(page))
}

fn message(visit: &Visit, lang: Lang, status: StatusCode, text: &str) -> HttpResponse {
    let t = lang.texts();
    let page = MessagePage {
        l: Layout::new(
            lang,
            &visit.nonce,
            t.not_found_title.to_owned(),
            "",
            &visit.path(""),
        ),
        back: None,
        heading: text.to_owned(),
        lines: Vec::new(),
        note: None,
        contact: None,
    };
    render(status, &page)
}

fn not_found_page(visit: &Visit, lang: Lang) -> HttpResponse {
    closed_page_in(visit, lang, None)
}

/// The one page of an unknown, expired or revoked link. Only a link that once worked shows
/// the creditor's contact.
fn closed_page(visit: &Visit, closed: Option<&ClosedLink>) -> HttpResponse {
    let lang = visit
        .asked
        .or_else(|| closed.map(|closed| Lang::of_locale(closed.locale)))
        .unwrap_or(Lang::Fi);
    if closed.is_none() {
        tracing::info!("self-service page requested with an unknown link");
    }
    closed_page_in(visit, lang, closed)
}

fn closed_page_in(visit: &Visit, lang: Lang, closed: Option<&ClosedLink>) -> HttpResponse {
    let t = lang.texts();
    let contact = closed.map(|closed| {
        Contact::new(
            t,
            &closed.creditor_name,
            closed.creditor_email.as_deref(),
            closed.creditor_phone.as_deref(),
        )
    });
    let page = MessagePage {
        l: Layout::new(
            lang,
            &visit.nonce,
            t.closed_title.to_owned(),
            "",
            &visit.path(""),
        ),
        back: None,
        heading: t.closed_title.to_owned(),
        lines: vec![t.closed_text.to_owned()],
        note: None,
        contact,
    };
    render(StatusCode::NOT_FOUND, &page)
}

fn failure(visit: &Visit, error: &ServiceError) -> HttpResponse {
    tracing::error!(code = error.code(), error = %error, "self-service page failed");
    let lang = visit.asked.unwrap_or(Lang::Fi);
    let status = match error.class() {
        ErrorClass::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    message(visit, lang, status, lang.texts().error_generic)
}

fn overview_page(visit: &Visit, overview: &Overview, lang: Lang) -> OverviewPage {
    let t = lang.texts();
    let creditor = &overview.creditor;
    let mut l = layout(
        visit,
        lang,
        t.overview_title(&creditor.name),
        &creditor.name,
        "",
    );
    l.script = overview
        .invoices
        .iter()
        .any(|invoice| invoice.barcode.is_some());

    let totals = overview
        .totals
        .iter()
        .map(|total| views::money(*total, lang))
        .collect();
    let requests = overview
        .requests
        .iter()
        .map(|item| RequestLink {
            href: visit.href(&format!("requests/{}", item.request.id.0), lang),
            text: t.request_line(
                &views::date(
                    item.request
                        .created_at
                        .with_timezone(&overview.time_zone)
                        .date_naive(),
                    lang,
                ),
                &request_title(item, t),
                views::state_label(item.request.state, t),
            ),
        })
        .collect();

    OverviewPage {
        customer: t.customer(&overview.debtor_name),
        intro: t.intro(&creditor.name),
        invoices: views::invoice_rows(overview, lang),
        totals,
        payee: creditor.name.clone(),
        iban: creditor.iban.to_printed(),
        bic: creditor.bic.as_ref().map(ToString::to_string),
        payments: views::payment_blocks(overview, lang),
        actions: actions(visit, overview, lang),
        requests,
        contact: Contact::new(
            t,
            &creditor.name,
            Some(creditor.email.as_str()),
            creditor.phone.as_deref(),
        ),
        l,
    }
}

fn request_title(item: &service::RequestItem, t: &Texts) -> String {
    let kind = views::kind_label(item.request.kind, t);
    if item.invoice_numbers.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} ({})", item.invoice_numbers.join(", "))
    }
}

fn actions(visit: &Visit, overview: &Overview, lang: Lang) -> Vec<ActionLink> {
    let t = lang.texts();
    let settings = &overview.settings;
    let mut actions = Vec::new();
    let fee_line = |fee: rust_decimal::Decimal, currency| {
        (fee > rust_decimal::Decimal::ZERO)
            .then(|| t.fee_of(&views::money(vahti_domain::Money::new(fee, currency), lang)))
    };
    let currency = overview
        .totals
        .first()
        .map_or(vahti_domain::Currency::EUR, |total| total.currency());
    let approval_line = (settings.approval == vahti_domain::policy::SelfServiceApproval::Creditor)
        .then(|| t.creditor_decides.to_owned());

    if !dispute_choices(overview, lang, "").is_empty() {
        actions.push(ActionLink {
            href: visit.href(Form::Dispute.path(), lang),
            label: t.action_dispute.to_owned(),
            help: vec![t.action_dispute_help.to_owned()],
        });
    }
    if settings.allows_promises() && !promise_choices(overview, lang, "").is_empty() {
        actions.push(ActionLink {
            href: visit.href(Form::Promise.path(), lang),
            label: t.action_promise.to_owned(),
            help: vec![t.promise_help(settings.max_promise_days)],
        });
    }
    if let Some(offer) = &overview.plan {
        let min = views::money(
            vahti_domain::Money::new(settings.plan.min_instalment, offer.owed.currency()),
            lang,
        );
        let mut help = vec![t.plan_help(offer.max_instalments, &min)];
        help.extend(fee_line(settings.plan.fee, offer.owed.currency()));
        help.extend(approval_line.clone());
        actions.push(ActionLink {
            href: visit.href(Form::Plan.path(), lang),
            label: t.action_plan.to_owned(),
            help,
        });
    }
    if settings.allows_extensions() && !extension_choices(overview, lang, "").is_empty() {
        let mut help = vec![t.extension_help(settings.max_extension_days)];
        help.extend(fee_line(settings.extension_fee, currency));
        help.extend(approval_line);
        actions.push(ActionLink {
            href: visit.href(Form::Extension.path(), lang),
            label: t.action_extension.to_owned(),
            help,
        });
    }
    actions.push(ActionLink {
        href: visit.href(Form::Email.path(), lang),
        label: t.action_email.to_owned(),
        help: overview
            .email
            .as_deref()
            .map(|email| t.email_help(email))
            .into_iter()
            .collect(),
    });
    actions
}

// Forms.

/// What is wrong with a submitted form, as the debtor reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    FormExpired,
    ChooseInvoice,
    ReasonMissing,
    ReasonTooLong,
    DateMissing,
    DateRange,
    Instalments,
    Email,
    AlreadyDisputed,
    InvoiceClosed,
    NotOffered,
    Other,
}

/// A problem and the field it belongs to.
type FieldProblem = (Option<&'static str>, Problem);

/// A request parsed from a form.
enum Action {
    Dispute {
        invoice: InvoiceId,
        reason: String,
    },
    Promise {
        invoice: Option<InvoiceId>,
        pay_by: NaiveDate,
    },
    Plan {
        instalments: u32,
        first_due: NaiveDate,
    },
    Extension {
        invoice: InvoiceId,
        new_due: NaiveDate,
    },
    Email {
        email: String,
    },
}

impl Action {
    fn run(
        self,
        tx: &mut vahti_store::Tx<'_>,
        token: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<
        crate::service::holds::Changed<vahti_store::self_service::SelfServiceRequest>,
        ServiceError,
    > {
        match self {
            Action::Dispute { invoice, reason } => {
                service::dispute(tx, token, invoice, &reason, now)
            }
            Action::Promise { invoice, pay_by } => {
                service::promise(tx, token, invoice, pay_by, now)
            }
            Action::Plan {
                instalments,
                first_due,
            } => service::request_plan(tx, token, instalments, first_due, now),
            Action::Extension { invoice, new_due } => {
                service::request_extension(tx, token, invoice, new_due, now)
            }
            Action::Email { email } => service::change_email(tx, token, &email, now),
        }
    }
}

fn parse(form: Form, fields: &Fields) -> Result<Action, Vec<FieldProblem>> {
    let invoice = || {
        fields
            .get("invoice")
            .parse::<i64>()
            .ok()
            .map(InvoiceId)
            .ok_or((Some("invoice"), Problem::ChooseInvoice))
    };
    let date =
        |name: &'static str| parse_date(fields.get(name)).ok_or((Some(name), Problem::DateMissing));
    let mut problems = Vec::new();
    let action = match form {
        Form::Dispute => {
            let reason = fields.get("reason");
            let invoice = invoice().map_err(|problem| problems.push(problem)).ok();
            if reason.is_empty() {
                problems.push((Some("reason"), Problem::ReasonMissing));
            } else if reason.chars().count() > MAX_TEXT_CHARS {
                problems.push((Some("reason"), Problem::ReasonTooLong));
            }
            invoice.map(|invoice| Action::Dispute {
                invoice,
                reason: reason.to_owned(),
            })
        }
        Form::Promise => {
            let invoice = match fields.get("invoice") {
                "all" => Ok(None),
                _ => invoice().map(Some),
            }
            .map_err(|problem| problems.push(problem))
            .ok();
            let pay_by = date("pay_by")
                .map_err(|problem| problems.push(problem))
                .ok();
            invoice
                .zip(pay_by)
                .map(|(invoice, pay_by)| Action::Promise { invoice, pay_by })
        }
        Form::Plan => {
            let instalments = fields
                .get("instalments")
                .parse::<u32>()
                .map_err(|_| problems.push((Some("instalments"), Problem::Instalments)))
                .ok();
            let first_due = date("first_due_date")
                .map_err(|problem| problems.push(problem))
                .ok();
            instalments
                .zip(first_due)
                .map(|(instalments, first_due)| Action::Plan {
                    instalments,
                    first_due,
                })
        }
        Form::Extension => {
            let invoice = invoice().map_err(|problem| problems.push(problem)).ok();
            let new_due = date("new_due_date")
                .map_err(|problem| problems.push(problem))
                .ok();
            invoice
                .zip(new_due)
                .map(|(invoice, new_due)| Action::Extension { invoice, new_due })
        }
        Form::Email => {
            let email = fields.get("email");
            if email.is_empty() {
                problems.push((Some("email"), Problem::Email));
            }
            Some(Action::Email {
                email: email.to_owned(),
            })
        }
    };
    match action {
        Some(action) if problems.is_empty() => Ok(action),
        _ => Err(problems),
    }
}

/// The problem a refused request shows the debtor.
fn problem_of(error: &ServiceError) -> FieldProblem {
    let field = match error.field() {
        Some("invoice") => Some("invoice"),
        Some("pay_by") => Some("pay_by"),
        Some("first_due_date") => Some("first_due_date"),
        Some("new_due_date") => Some("new_due_date"),
        Some("instalments") => Some("instalments"),
        Some("email") => Some("email"),
        Some("reason") => Some("reason"),
        _ => None,
    };
    let problem = match error.code() {
        "self_service_invoice_not_found" | "self_service_invoice_disputed" => {
            Problem::ChooseInvoice
        }
        "self_service_date_out_of_range" => Problem::DateRange,
        "self_service_instalments_invalid" => Problem::Instalments,
        "self_service_email_invalid" => Problem::Email,
        "dispute_already_open" => Problem::AlreadyDisputed,
        "invoice_closed" => Problem::InvoiceClosed,
        "self_service_not_offered" => Problem::NotOffered,
        "value_invalid" if field == Some("reason") => Problem::ReasonMissing,
        _ if field == Some("invoice") => Problem::ChooseInvoice,
        _ => Problem::Other,
    };
    let field = match problem {
        Problem::AlreadyDisputed | Problem::InvoiceClosed | Problem::ChooseInvoice => {
            Some("invoice")
        }
        _ => field,
    };
    (field, problem)
}

/// Shows a form, empty or sent back with problems, after recording the view.
async fn form_response(
    visit: &Visit,
    form: Form,
    values: &Fields,
    problems: Vec<FieldProblem>,
    status: StatusCode,
    refused: Option<String>,
) -> HttpResponse {
    let opened = open(visit, form.path(), refused).await;
    let (link, overview) = match opened {
        Ok(Opened::Live(live)) => *live,
        Ok(Opened::Closed(closed)) => return closed_page(visit, Some(&closed)),
        Ok(Opened::Unknown) => return closed_page(visit, None),
        Err(error) => return failure(visit, &error),
    };
    let lang = visit.asked.unwrap_or(Lang::of_locale(overview.locale));
    let key = match visit.app.self_service().form_key(&visit.app).await {
        Ok(key) => key,
        Err(error) => return failure(visit, &error),
    };
    let csrf = forms::form_token(
        &key,
        &hash_link_token(&visit.token),
        form.path(),
        visit.app.now(),
    );
    let _ = link;
    let page = form_page(visit, form, &overview, lang, values, &problems, csrf);
    render(status, &page)
}

fn form_page(
    visit: &Visit,
    form: Form,
    overview: &Overview,
    lang: Lang,
    values: &Fields,
    problems: &[FieldProblem],
    csrf: String,
) -> FormPage {
    let t = lang.texts();
    let settings = &overview.settings;
    let today = overview.today;
    let chosen = values.get("invoice");
    let creditor = overview.creditor.name.as_str();
    let approval_note = (settings.approval == vahti_domain::policy::SelfServiceApproval::Creditor)
        .then(|| t.creditor_decides.to_owned());

    let (heading, submit, intro, mut fields, notes, range) = match form {
        Form::Dispute => {
            let mut invoice = Field::new("radio", "invoice", t.dispute_invoice);
            invoice.options = dispute_choices(overview, lang, chosen);
            let mut reason = Field::new("textarea", "reason", t.dispute_reason);
            reason.help = vec![t.dispute_reason_help.to_owned()];
            reason.value = values.get("reason").to_owned();
            reason.max = MAX_TEXT_CHARS.to_string();
            (
                t.dispute_title,
                t.dispute_submit,
                vec![t.action_dispute_help.to_owned()],
                vec![invoice, reason],
                Vec::new(),
                None,
            )
        }
        Form::Promise => {
            let latest = add_days(today, settings.max_promise_days);
            let mut invoice = Field::new("radio", "invoice", t.promise_invoice);
            invoice.options = promise_choices(overview, lang, chosen);
            let mut pay_by = Field::new("date", "pay_by", t.promise_date);
            pay_by.help = vec![t.latest(&views::date(latest, lang))];
            pay_by.value = values.get("pay_by").to_owned();
            pay_by.min = today.to_string();
            pay_by.max = latest.to_string();
            (
                t.promise_title,
                t.promise_submit,
                vec![t.promise_help(settings.max_promise_days)],
                vec![invoice, pay_by],
                Vec::new(),
                Some((today, latest)),
            )
        }
        Form::Plan => {
            let tomorrow = add_days(today, 1);
            let latest = add_days(
                today,
                u32::try_from(MAX_FIRST_INSTALMENT_DAYS).unwrap_or(30),
            );
            let mut intro = Vec::new();
            let mut count = Field::new("select", "instalments", t.plan_count);
            if let Some(offer) = &overview.plan {
                intro.push(t.plan_covers(&views::money(offer.owed, lang)));
                if offer.fee.is_positive() {
                    intro.push(t.fee_of(&views::money(offer.fee, lang)));
                }
                let total = offer.owed.checked_add(offer.fee).unwrap_or(offer.owed);
                let chosen = values.get("instalments");
                count.options = (2..=offer.max_instalments)
                    .map(|instalments| {
                        let each = service::plan_schedule(total, instalments, tomorrow)
                            .ok()
                            .and_then(|schedule| schedule.first().map(|(_, amount)| *amount))
                            .map(|amount| views::money(amount, lang))
                            .unwrap_or_default();
                        Choice {
                            value: instalments.to_string(),
                            label: t.instalment_option(instalments, &each),
                            checked: chosen == instalments.to_string(),
                        }
                    })
                    .collect();
            } else {
                intro.push(t.error_not_offered.to_owned());
            }
            let mut first = Field::new("date", "first_due_date", t.plan_first);
            first.help = vec![
                t.plan_monthly.to_owned(),
                t.latest(&views::date(latest, lang)),
            ];
            first.value = values.get("first_due_date").to_owned();
            first.min = tomorrow.to_string();
            first.max = latest.to_string();
            (
                t.plan_title,
                t.request_submit,
                intro,
                vec![count, first],
                approval_note.into_iter().collect(),
                Some((tomorrow, latest)),
            )
        }
        Form::Extension => {
            let choices = extension_choices(overview, lang, chosen);
            let tomorrow = add_days(today, 1);
            let latest = overview
                .invoices
                .iter()
                .filter_map(|invoice| extension_latest(invoice, today, settings.max_extension_days))
                .max()
                .unwrap_or(tomorrow);
            let selected = overview
                .invoices
                .iter()
                .find(|invoice| invoice.id.0.to_string() == chosen)
                .and_then(|invoice| extension_latest(invoice, today, settings.max_extension_days));
            let mut invoice = Field::new("radio", "invoice", t.extension_invoice);
            invoice.options = choices;
            let mut new_due = Field::new("date", "new_due_date", t.extension_date);
            new_due.value = values.get("new_due_date").to_owned();
            new_due.min = tomorrow.to_string();
            new_due.max = latest.to_string();
            let mut notes = vec![t.extension_interest.to_owned()];
            let currency = overview
                .totals
                .first()
                .map_or(vahti_domain::Currency::EUR, |total| total.currency());
            if settings.extension_fee > rust_decimal::Decimal::ZERO {
                notes.push(t.fee_of(&views::money(
                    vahti_domain::Money::new(settings.extension_fee, currency),
                    lang,
                )));
            }
            notes.extend(approval_note);
            (
                t.extension_title,
                t.request_submit,
                vec![t.extension_help(settings.max_extension_days)],
                vec![invoice, new_due],
                notes,
                Some((tomorrow, selected.unwrap_or(latest))),
            )
        }
        Form::Email => {
            let mut email = Field::new("email", "email", t.email_label);
            email.help = overview
                .email
                .as_deref()
                .map(|current| t.email_help(current))
                .into_iter()
                .collect();
            email.value = values.get("email").to_owned();
            (
                t.email_title,
                t.email_submit,
                Vec::new(),
                vec![email],
                Vec::new(),
                None,
            )
        }
    };

    let mut errors = Vec::new();
    for (field, problem) in problems {
        let text = problem_text(problem, t, range, lang);
        let target = field.and_then(|name| fields.iter().find(|candidate| candidate.name == name));
        errors.push(FormError {
            target: target.map(|field| field.id.clone()),
            message: text.clone(),
        });
        if let Some(name) = field
            && let Some(field) = fields.iter_mut().find(|candidate| candidate.name == *name)
        {
            field.error = Some(text);
        }
    }

    let title = format!("{heading} – {creditor}");
    FormPage {
        l: layout(visit, lang, title, creditor, form.path()),
        back: visit.href("", lang),
        heading: heading.to_owned(),
        intro,
        errors,
        action: visit.path(form.path()),
        csrf,
        fields,
        notes,
        submit: submit.to_owned(),
    }
}

fn problem_text(
    problem: &Problem,
    t: &Texts,
    range: Option<(NaiveDate, NaiveDate)>,
    lang: Lang,
) -> String {
    match problem {
        Problem::FormExpired => t.error_form_expired.to_owned(),
        Problem::ChooseInvoice => t.error_choose_invoice.to_owned(),
        Problem::ReasonMissing => t.error_reason_missing.to_owned(),
        Problem::ReasonTooLong => t.error_reason_too_long.to_owned(),
        Problem::DateMissing => t.error_date_missing.to_owned(),
        Problem::DateRange => match range {
            Some((first, last)) => {
                t.error_date_range(&views::date(first, lang), &views::date(last, lang))
            }
            None => t.error_date_missing.to_owned(),
        },
        Problem::Instalments => t.error_instalments.to_owned(),
        Problem::Email => t.error_email.to_owned(),
        Problem::AlreadyDisputed => t.error_already_disputed.to_owned(),
        Problem::InvoiceClosed => t.error_closed_invoice.to_owned(),
        Problem::NotOffered => t.error_not_offered.to_owned(),
        Problem::Other => t.error_generic.to_owned(),
    }
}

fn invoice_choice(
    invoice: &service::InvoiceItem,
    lang: Lang,
    chosen: &str,
    label: String,
) -> Choice {
    let _ = lang;
    Choice {
        value: invoice.id.0.to_string(),
        label,
        checked: chosen == invoice.id.0.to_string(),
    }
}

fn standard_label(invoice: &service::InvoiceItem, lang: Lang) -> String {
    lang.texts().invoice_option(
        &invoice.number,
        &views::money(invoice.total, lang),
        &invoice
            .due_date
            .map_or_else(String::new, |due| views::date(due, lang)),
    )
}

/// Checks the only choice when there is one, so a debtor with one invoice need not pick it.
fn check_single(mut choices: Vec<Choice>) -> Vec<Choice> {
    if let [only] = choices.as_mut_slice() {
        only.checked = true;
    }
    choices
}

fn dispute_choices(overview: &Overview, lang: Lang, chosen: &str) -> Vec<Choice> {
    check_single(
        overview
            .invoices
            .iter()
            .filter(|invoice| invoice.hold != Hold::Disputed)
            .map(|invoice| invoice_choice(invoice, lang, chosen, standard_label(invoice, lang)))
            .collect(),
    )
}

fn promise_choices(overview: &Overview, lang: Lang, chosen: &str) -> Vec<Choice> {
    let eligible: Vec<&service::InvoiceItem> = overview
        .invoices
        .iter()
        .filter(|invoice| !matches!(invoice.hold, Hold::Disputed | Hold::InPlan))
        .collect();
    let overdue = eligible.iter().filter(|invoice| invoice.overdue).count();
    let mut choices = Vec::new();
    if overdue >= 2 {
        choices.push(Choice {
            value: "all".to_owned(),
            label: lang.texts().all_overdue.to_owned(),
            checked: chosen == "all",
        });
    }
    choices.extend(
        eligible
            .iter()
            .map(|invoice| invoice_choice(invoice, lang, chosen, standard_label(invoice, lang))),
    );
    check_single(choices)
}

fn extension_choices(overview: &Overview, lang: Lang, chosen: &str) -> Vec<Choice> {
    let days = overview.settings.max_extension_days;
    check_single(
        overview
            .invoices
            .iter()
            .filter(|invoice| !matches!(invoice.hold, Hold::Disputed | Hold::InPlan))
            .filter_map(|invoice| {
                let latest = extension_latest(invoice, overview.today, days)?;
                let label = lang
                    .texts()
                    .extension_option(&invoice.number, &views::date(latest, lang));
                Some(invoice_choice(invoice, lang, chosen, label))
            })
            .collect(),
    )
}

/// The latest due date an extension of the invoice may set: `days` after the later of its due
/// date and today.
fn extension_latest(
    invoice: &service::InvoiceItem,
    today: NaiveDate,
    days: u32,
) -> Option<NaiveDate> {
    (days > 0).then(|| {
        let base = invoice.due_date.map_or(today, |due| due.max(today));
        add_days(base, days)
    })
}

fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(date)
}
