//! Checking an element's children against an XSD `sequence`: order, required elements,
//! repetition, and the namespaces of the endpoint's SMEV version.

use super::cursor::Element;
use super::error::DecodeError;
use crate::version::SmevVersion;

/// Which SMEV namespace of the version a particle lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    /// The types namespace.
    Types,
    /// The basic namespace.
    Basic,
    /// The routing namespace (1.3 only).
    Routing,
}

/// One element of a sequence.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Particle {
    ns: Ns,
    local: &'static str,
    required: bool,
    repeat: bool,
}

/// A required element occurring once.
pub(crate) const fn one(ns: Ns, local: &'static str) -> Particle {
    Particle {
        ns,
        local,
        required: true,
        repeat: false,
    }
}

/// An optional element occurring at most once.
pub(crate) const fn opt(ns: Ns, local: &'static str) -> Particle {
    Particle {
        ns,
        local,
        required: false,
        repeat: false,
    }
}

/// A required element occurring one or more times.
pub(crate) const fn many(ns: Ns, local: &'static str) -> Particle {
    Particle {
        ns,
        local,
        required: true,
        repeat: true,
    }
}

/// The state of matching children against a sequence.
pub(crate) struct Sequence<'p> {
    version: SmevVersion,
    parent: &'static str,
    particles: &'p [Particle],
    next: usize,
    last: Option<usize>,
}

impl<'p> Sequence<'p> {
    pub(crate) fn new(
        version: SmevVersion,
        parent: &'static str,
        particles: &'p [Particle],
    ) -> Self {
        Self {
            version,
            parent,
            particles,
            next: 0,
            last: None,
        }
    }

    /// Matches the next child; returns the particle's local name.
    pub(crate) fn accept(&mut self, element: &Element<'_>) -> Result<&'static str, DecodeError> {
        if let Some(last) = self.last
            && self.particles[last].repeat
            && self.matches(&self.particles[last], element)
        {
            return Ok(self.particles[last].local);
        }
        let found =
            (self.next..self.particles.len()).find(|&i| self.matches(&self.particles[i], element));
        let Some(i) = found else {
            return Err(unexpected(self.version, self.parent, element));
        };
        if let Some(skipped) = self.particles[self.next..i].iter().find(|p| p.required) {
            return Err(self.missing(skipped));
        }
        self.next = i + 1;
        self.last = Some(i);
        Ok(self.particles[i].local)
    }

    /// Checks that no required particle is left unmatched.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        match self.particles[self.next..].iter().find(|p| p.required) {
            Some(p) => Err(self.missing(p)),
            None => Ok(()),
        }
    }

    fn matches(&self, p: &Particle, e: &Element<'_>) -> bool {
        let ns = match p.ns {
            Ns::Types => Some(self.version.types_ns()),
            Ns::Basic => Some(self.version.basic_ns()),
            Ns::Routing => self.version.routing_ns(),
        };
        ns.is_some_and(|ns| e.is(ns, p.local))
    }

    fn missing(&self, p: &Particle) -> DecodeError {
        DecodeError::MissingElement {
            parent: self.parent.to_owned(),
            element: p.local.to_owned(),
        }
    }
}

/// The error for an element that has no place here: a version mismatch when it belongs to
/// another SMEV version, an unexpected element otherwise.
pub(crate) fn unexpected(version: SmevVersion, parent: &str, element: &Element<'_>) -> DecodeError {
    match SmevVersion::of_namespace(&element.ns) {
        Some(found) if found != version => DecodeError::VersionMismatch {
            expected: version,
            found,
            element: element.qname(),
        },
        _ => DecodeError::UnexpectedElement {
            parent: parent.to_owned(),
            found: element.qname(),
            position: element.start,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::cursor::{Cursor, Item};
    use crate::limits::Limits;

    const PARTICLES: [Particle; 4] = [
        one(Ns::Types, "A"),
        opt(Ns::Types, "B"),
        many(Ns::Basic, "C"),
        opt(Ns::Types, "D"),
    ];

    fn run(v: SmevVersion, children: &str) -> Result<Vec<&'static str>, DecodeError> {
        let xml = format!(
            "<r xmlns:t='{}' xmlns:b='{}'>{children}</r>",
            v.types_ns(),
            v.basic_ns()
        );
        let mut c = Cursor::new(&xml, &Limits::default());
        let Ok(Item::Start(root)) = c.next_item() else {
            panic!("no root")
        };
        let mut seq = Sequence::new(v, "r", &PARTICLES);
        let mut got = Vec::new();
        while let Some(e) = c.next_child(root.local)? {
            got.push(seq.accept(&e)?);
            c.skip(&e)?;
        }
        seq.finish()?;
        Ok(got)
    }

    #[test]
    fn accepts_valid_sequences() {
        let v = SmevVersion::V1_3;
        assert_eq!(run(v, "<t:A/><b:C/>").unwrap(), ["A", "C"]);
        assert_eq!(
            run(v, "<t:A/><t:B/><b:C/><b:C/><t:D/>").unwrap(),
            ["A", "B", "C", "C", "D"]
        );
    }

    #[test]
    fn reports_missing_unexpected_and_out_of_order() {
        let v = SmevVersion::V1_1;
        assert!(
            matches!(run(v, "<b:C/>"), Err(DecodeError::MissingElement { element, .. }) if element == "A")
        );
        assert!(
            matches!(run(v, "<t:A/>"), Err(DecodeError::MissingElement { element, .. }) if element == "C")
        );
        assert!(matches!(
            run(v, "<t:A/><b:C/><t:B/>"),
            Err(DecodeError::UnexpectedElement { .. })
        ));
        assert!(matches!(
            run(v, "<t:A/><t:A/><b:C/>"),
            Err(DecodeError::UnexpectedElement { .. })
        ));
        assert!(matches!(
            run(v, "<t:A/><t:X/>"),
            Err(DecodeError::UnexpectedElement { .. })
        ));
    }

    #[test]
    fn another_versions_namespace_is_a_version_mismatch() {
        let other = SmevVersion::V1_2.types_ns();
        let err = run(SmevVersion::V1_3, &format!("<A xmlns='{other}'/>")).unwrap_err();
        assert!(matches!(
            err,
            DecodeError::VersionMismatch {
                expected: SmevVersion::V1_3,
                found: SmevVersion::V1_2,
                ..
            }
        ));
    }
}
