//! Live events over SSE at `/api/v1/events`, filtered per reader.
//!
//! Every event is stored (table `event`) in the transaction that caused it, so a client that
//! reconnects with `Last-Event-ID` (or `?last_event_id=`) first receives what it missed, from
//! the database, then the live stream. Each event carries its id, its topic as the SSE event
//! name, and a JSON body; a reader receives an event only when its member id or role is in the
//! event's audience.
//!
//! # Topics (the SSE event name) and who receives them
//! - `alert`: raised (`{id, kind, severity, subject, detail, leaf_index}`, each recipient with
//!   its own `detail`) and closed by jic (`{id, kind, severity, subject, status: "closed",
//!   closed, reason, leaf_index}`, e.g. a track conflict that resolved or whose aircraft went
//!   stale); to the alert's recipients (parties involved, duty officers, monitors).
//! - `alert_ack`: an acknowledgment, to the alert's recipients.
//! - `air_operation`: a filing, amendment or cancellation, to the filer and duty officers
//!   (need-to-know).
//! - `humanitarian.notification`, `humanitarian.acknowledgment`: to the organisation and the
//!   recipients of the notification.
//! - `strike.notice`, `strike.review`, `strike.stop`, `implementation`: to the parties and
//!   roles the protection kinds name (`kinds/protect.rs`).
//! - `incident`: a new report or amendment with its classification (`{incident, version,
//!   change: reported | amended, status, outcome, category, received}`), a review's status
//!   change (`change: status`) and a counter-claim (`change: counter_claim`); to every reader,
//!   since incidents are public in the log.
//! - `phase_transition`, `agreement_proposed`, `agreement_in_force`, `roster`: to every reader.
//! - `lagged`: sent to a reader that fell behind; reconnect with `Last-Event-ID`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream, StreamExt};
use jic_store::state::{EventRecord, StateRead};
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;

use crate::AppState;
use crate::auth::{Principal, Reader};
use crate::problem::{ApiError, ApiQuery};

/// Query parameters of `/api/v1/events`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Resume after this event id (same as the `Last-Event-ID` header).
    pub last_event_id: Option<i64>,
}

fn visible(principal: &Principal, event: &EventRecord) -> bool {
    let audience: Vec<String> = serde_json::from_str(&event.audience_json).unwrap_or_default();
    principal.is_in(&audience)
}

fn to_sse(event: &EventRecord) -> Event {
    Event::default()
        .id(event.id.to_string())
        .event(event.topic.clone())
        .data(event.body_json.clone())
}

/// `GET /api/v1/events`: the reader's live event stream.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    params(EventsQuery, ("Last-Event-ID" = Option<i64>, Header, description = "resume after this id")),
    responses((status = 200, description = "text/event-stream of events visible to the reader"),
              (status = 401, body = crate::problem::Problem)),
    security(("bearer" = [])))]
pub async fn events(
    State(state): State<AppState>,
    Reader(principal): Reader,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let from_header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let mut last = query.last_event_id.or(from_header).unwrap_or(0);
    // Subscribe before reading the backlog so nothing falls between the two.
    let live = BroadcastStream::new(state.subscribe());
    let mut backlog = Vec::new();
    loop {
        let page = state
            .read(move |conn| Ok(conn.events_after(last, 1000)?))
            .await?;
        let Some(tail) = page.last() else { break };
        last = tail.id;
        let full = page.len() == 1000;
        backlog.extend(page.into_iter().filter(|e| visible(&principal, e)));
        if !full {
            break;
        }
    }
    let principal_live: Arc<Principal> = principal.clone();
    let backlog_stream = stream::iter(backlog.into_iter().map(|e| Ok(to_sse(&e))));
    let live_stream = live.filter_map(move |item| {
        let principal = principal_live.clone();
        async move {
            match item {
                Ok(e) if e.id > last && visible(&principal, &e) => Some(Ok(to_sse(&e))),
                Ok(_) => None,
                // A slow reader missed events: tell it to reconnect from its last id.
                Err(_) => Some(Ok(Event::default().event("lagged").data("{}"))),
            }
        }
    });
    let mut closing = state.closing();
    let until_closing = async move {
        let _ = closing.wait_for(|c| *c).await;
    };
    let stream = backlog_stream.chain(live_stream).take_until(until_closing);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
