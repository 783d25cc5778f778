//! `tracks.batch`: live track states, many per submission.
//!
//! Tracks are state, not history: the batch's states travel beside the envelope as CSV (the
//! `jic deconflict tracks` format, DESIGN §3.2, header `id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm`)
//! and the log records only the signed envelope, whose payload commits to them by digest:
//! `{"states_sha256":"<hex SHA-256 of the CSV bytes>","count":N,"observed":"<RFC 3339>"}`.
//! The server keeps the latest state per aircraft; conflict detection runs over all of them
//! after each batch (see [`crate::tracking`]).

use jic_deconflict::track::TrackState;
use jic_store::roster::Role;
use jic_store::state::TrackRecord;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::problem::ApiError;
use crate::submit::{Accepted, ApplyCtx, KindHandler};

/// The payload of `tracks.batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackBatch {
    /// Lowercase hex SHA-256 of the CSV bytes sent beside the envelope.
    pub states_sha256: String,
    /// Number of states (data rows).
    pub count: u64,
    /// When the states were observed (RFC 3339).
    #[schema(value_type = String)]
    pub observed: Timestamp,
}

/// Parsed states handed from validation to the writer.
#[derive(Debug)]
pub struct ParsedBatch {
    /// Aircraft ids and states, in CSV order.
    pub states: Vec<(String, TrackState)>,
    /// The digest.
    pub digest: String,
    /// The observation time.
    pub observed: Timestamp,
}

/// The `tracks.batch` handler. The CSV arrives in [`Accepted::prepared`] as a `String`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrackBatchKind;

impl KindHandler for TrackBatchKind {
    fn kind(&self) -> &'static str {
        "tracks.batch"
    }
    fn roles(&self) -> &'static [Role] {
        &[Role::Party]
    }
    fn validate(&self, s: &mut Accepted) -> Result<(), ApiError> {
        let batch = TrackBatch::deserialize(&s.payload)
            .map_err(|e| ApiError::Unprocessable(format!("payload: {e}")))?;
        let csv = s
            .prepared
            .take()
            .and_then(|p| p.downcast::<String>().ok())
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "a tracks.batch submission carries \"states_csv\" beside the envelope; \
                     send it to /api/v1/tracks/batches"
                        .to_owned(),
                )
            })?;
        let digest = hex::encode(Sha256::digest(csv.as_bytes()));
        if digest != batch.states_sha256.to_ascii_lowercase() {
            return Err(ApiError::Unprocessable(
                "states_sha256 does not match the SHA-256 of states_csv".to_owned(),
            ));
        }
        let parsed = jic_deconflict::states_csv::parse_states(&csv)
            .map_err(|e| ApiError::Unprocessable(format!("states_csv: {e}")))?;
        if let Some(first) = parsed.errors.first() {
            return Err(ApiError::Unprocessable(format!(
                "states_csv: {} rejected rows, the first at line {}: {}",
                parsed.errors.len(),
                first.line,
                first.reason
            )));
        }
        if parsed.rows.len() as u64 != batch.count {
            return Err(ApiError::Unprocessable(format!(
                "count is {} but states_csv has {} rows",
                batch.count,
                parsed.rows.len()
            )));
        }
        s.prepared = Some(Box::new(ParsedBatch {
            states: parsed.rows.into_iter().map(|r| (r.id, r.state)).collect(),
            digest,
            observed: batch.observed,
        }));
        Ok(())
    }
    fn apply(&self, ctx: &mut ApplyCtx<'_>, s: &Accepted) -> Result<Value, ApiError> {
        let batch = s
            .prepared
            .as_ref()
            .and_then(|p| p.downcast_ref::<ParsedBatch>())
            .ok_or_else(|| ApiError::Internal("tracks.batch reached the writer unparsed".into()))?;
        let observed = batch.observed.to_string();
        let leaf = ctx.leaf_index();
        let records: Vec<TrackRecord> = batch
            .states
            .iter()
            .map(|(id, st)| TrackRecord {
                aircraft_id: id.clone(),
                party: s.party.clone(),
                lat: st.lat_deg,
                lon: st.lon_deg,
                alt_ft: st.alt_ft,
                gs_kt: st.gs_kt,
                trk_deg: st.trk_deg,
                vs_fpm: st.vs_fpm,
                observed: observed.clone(),
                batch_leaf: leaf,
            })
            .collect();
        let received = ctx.now().to_string();
        ctx.state()
            .put_track_batch(leaf, &s.party, &batch.digest, &received, &records)?;
        Ok(json!({"count": records.len(), "states_sha256": batch.digest}))
    }
}
