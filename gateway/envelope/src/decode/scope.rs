//! The namespace declarations in scope, with constant-time resolution: a stack of URIs per
//! prefix and a log to undo an element's declarations when it ends.

use std::collections::HashMap;
use std::rc::Rc;

/// One declaration of a prefix.
struct Declared {
    uri: Rc<str>,
    /// Declaration order over the whole document, to list inherited declarations in order.
    seq: usize,
    /// Depth of the declaring element.
    depth: usize,
}

/// The namespace bindings of the open elements.
#[derive(Default)]
pub(super) struct NamespaceScope {
    stacks: HashMap<String, Vec<Declared>>,
    /// `(prefix, depth)` of every live declaration, in document order.
    log: Vec<(String, usize)>,
    seq: usize,
}

impl NamespaceScope {
    /// Binds `prefix` (`""` for the default namespace) to `uri` for the element at `depth`.
    pub(super) fn declare(&mut self, prefix: &str, uri: Rc<str>, depth: usize) {
        self.seq += 1;
        let declared = Declared {
            uri,
            seq: self.seq,
            depth,
        };
        self.stacks
            .entry(prefix.to_owned())
            .or_default()
            .push(declared);
        self.log.push((prefix.to_owned(), depth));
    }

    /// Ends the declarations of the element at `depth` (and any deeper ones).
    pub(super) fn leave(&mut self, depth: usize) {
        while let Some((prefix, d)) = self.log.last() {
            if *d < depth {
                break;
            }
            if let Some(stack) = self.stacks.get_mut(prefix) {
                stack.pop();
            }
            self.log.pop();
        }
    }

    /// The URI bound to `prefix` (`""` for the default namespace), if any.
    pub(super) fn resolve(&self, prefix: &str) -> Option<&Rc<str>> {
        self.stacks
            .get(prefix)
            .and_then(|s| s.last())
            .map(|d| &d.uri)
    }

    /// The declarations in scope for the element at `depth` that its ancestors made, in
    /// declaration order, without the prefixes the element redeclares and without an
    /// undeclared (`xmlns=""`) default namespace.
    pub(super) fn inherited(&self, depth: usize) -> Vec<(String, String)> {
        let mut found: Vec<(usize, &str, &str)> = self
            .stacks
            .iter()
            .filter_map(|(prefix, stack)| stack.last().map(|d| (prefix, d)))
            .filter(|(_, d)| d.depth < depth && !d.uri.is_empty())
            .map(|(prefix, d)| (d.seq, prefix.as_str(), &*d.uri))
            .collect();
        found.sort_unstable_by_key(|(seq, _, _)| *seq);
        found
            .into_iter()
            .map(|(_, p, u)| (p.to_owned(), u.to_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_declarations_shadow_and_leave() {
        let mut s = NamespaceScope::default();
        s.declare("p", Rc::from("urn:1"), 1);
        s.declare("", Rc::from("urn:d"), 1);
        s.declare("p", Rc::from("urn:2"), 2);
        assert_eq!(s.resolve("p").map(|u| &**u), Some("urn:2"));
        assert_eq!(
            s.inherited(3),
            [
                ("".to_owned(), "urn:d".to_owned()),
                ("p".to_owned(), "urn:2".to_owned())
            ]
        );
        assert_eq!(s.inherited(2), [("".to_owned(), "urn:d".to_owned())]);
        s.leave(2);
        assert_eq!(s.resolve("p").map(|u| &**u), Some("urn:1"));
        s.declare("", Rc::from(""), 2);
        assert_eq!(s.inherited(3), [("p".to_owned(), "urn:1".to_owned())]);
        s.leave(1);
        assert!(s.resolve("p").is_none() && s.resolve("").is_none());
    }
}
