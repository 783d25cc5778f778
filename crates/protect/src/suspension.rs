//! Suspension and resumption of the implementation plane (DESIGN.md §2), as on 3 Oct 2016
//! when the US suspended the bilateral channels while deconfliction continued
//! (events_2016.md §6).
//!
//! A sponsor suspends with a signed, logged reason; while any suspension stands, the
//! implementation plane's functions ([`Function::is_implementation`]) answer "suspended" and the
//! air-safety and humanitarian planes carry on. Only the party that suspended can resume its
//! own suspension; the plane resumes when no suspension stands.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::Error;

/// What jic does, grouped by plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// Filing a strike notice (implementation plane).
    StrikeNotice,
    /// Concurring with or objecting to one (implementation plane).
    StrikeReview,
    /// Coordination of strikes through the JIC (implementation plane).
    JicCoordination,
    /// A stop request: safety of forces and people, kept running (air-safety plane).
    StopRequest,
    /// Deconfliction of air operations and tracks (air-safety plane).
    Deconfliction,
    /// Humanitarian notifications, acknowledgments and sealed checks.
    HumanitarianNotification,
    /// Incident reporting.
    Incidents,
}

impl Function {
    /// True for functions of the implementation plane.
    pub fn is_implementation(self) -> bool {
        matches!(
            self,
            Function::StrikeNotice | Function::StrikeReview | Function::JicCoordination
        )
    }
}

/// One standing suspension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Receipt time.
    pub since: Timestamp,
    /// Reason given.
    pub reason: String,
}

/// The suspension state, folded from the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suspension {
    standing: BTreeMap<String, Standing>,
}

impl Suspension {
    /// A sponsor suspends.
    ///
    /// # Errors
    /// [`Error::State`] when this party's suspension already stands; [`Error::Invalid`]
    /// without a reason.
    pub fn suspend(&mut self, party: &str, reason: &str, at: Timestamp) -> Result<(), Error> {
        if reason.trim().is_empty() {
            return Err(Error::invalid("reason", "a suspension needs a reason"));
        }
        if self.standing.contains_key(party) {
            return Err(Error::State(format!(
                "{party} has already suspended the implementation plane"
            )));
        }
        self.standing.insert(
            party.to_owned(),
            Standing {
                since: at,
                reason: reason.to_owned(),
            },
        );
        Ok(())
    }

    /// The party resumes its suspension.
    ///
    /// # Errors
    /// [`Error::State`] when it has no standing suspension.
    pub fn resume(&mut self, party: &str) -> Result<(), Error> {
        self.standing.remove(party).map(|_| ()).ok_or_else(|| {
            Error::State(format!(
                "{party} has no standing suspension of the implementation plane"
            ))
        })
    }

    /// True while any suspension stands.
    pub fn is_suspended(&self) -> bool {
        !self.standing.is_empty()
    }

    /// The standing suspensions by party.
    pub fn standing(&self) -> &BTreeMap<String, Standing> {
        &self.standing
    }

    /// `Ok` when `function` may run now, [`Error::Suspended`] otherwise.
    ///
    /// # Errors
    /// [`Error::Suspended`] for an implementation-plane function while suspended.
    pub fn check(&self, function: Function) -> Result<(), Error> {
        if !function.is_implementation() || self.standing.is_empty() {
            return Ok(());
        }
        let by: Vec<&str> = self.standing.keys().map(String::as_str).collect();
        let since = self
            .standing
            .values()
            .map(|s| s.since)
            .min()
            .unwrap_or_default();
        let reason = self
            .standing
            .values()
            .map(|s| s.reason.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        Err(Error::Suspended {
            by: by.join(", "),
            since,
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspension_stops_only_the_implementation_plane() {
        let at: Timestamp = "2016-10-03T18:00:00+03:00".parse().unwrap();
        let mut s = Suspension::default();
        s.suspend("us", "Russia failed to live up to its commitments", at)
            .unwrap();
        for (f, runs) in [
            (Function::StrikeNotice, false),
            (Function::StrikeReview, false),
            (Function::JicCoordination, false),
            (Function::StopRequest, true),
            (Function::Deconfliction, true),
            (Function::HumanitarianNotification, true),
            (Function::Incidents, true),
        ] {
            assert_eq!(s.check(f).is_ok(), runs, "{f:?}");
        }
        assert!(
            matches!(s.check(Function::StrikeReview), Err(Error::Suspended { by, .. }) if by == "us")
        );
        assert!(s.suspend("us", "again", at).is_err());
        assert!(s.resume("russia").is_err());
        s.resume("us").unwrap();
        assert!(s.check(Function::StrikeReview).is_ok());
        assert!(s.suspend("us", "  ", at).is_err());
    }
}
